// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IPohStaking} from "../interfaces/IPohStaking.sol";

/// @title SelectionMiner
/// @notice Test-only: a miner account that stakes what it was sent, in its constructor.
contract SelectionMiner {
    constructor(IERC20 token, IPohStaking staking, uint256 amount) {
        token.approve(address(staking), amount);
        staking.stake(amount);
    }
}

/// @title StakingSelectionHarness
/// @notice Test-only stand-in for the coordinator: it spawns many staked miners cheaply and calls
/// the coordinator-only drawCommittee() many times in one eth_call, for the selection-frequency
/// and gas-growth tests. Never deployed outside tests.
contract StakingSelectionHarness {
    IERC20 public immutable token;
    IPohStaking public immutable staking;
    address[] public miners;

    constructor(IERC20 token_, IPohStaking staking_) {
        token = token_;
        staking = staking_;
    }

    /// @notice No job is ever open here.
    function lockedStake(address) external pure returns (uint256) {
        return 0;
    }

    /// @notice Creates one miner per amount; this contract must hold the tokens.
    function spawnMiners(uint256[] calldata amounts) external {
        for (uint256 i; i < amounts.length; ++i) {
            address predicted = _nextAddress();
            token.transfer(predicted, amounts[i]);
            SelectionMiner m = new SelectionMiner(token, staking, amounts[i]);
            require(address(m) == predicted, "address prediction");
            miners.push(address(m));
        }
    }

    function minerCount() external view returns (uint256) {
        return miners.length;
    }

    /// @notice One committee, exactly as the coordinator would draw it.
    function draw(bytes32 seed, uint256 size) external view returns (address[] memory) {
        return staking.drawCommittee(seed, size);
    }

    /// @notice `count` committees with seeds keccak256(baseSeed, first + i), flattened.
    function drawMany(bytes32 baseSeed, uint256 first, uint256 count, uint256 size)
        external
        view
        returns (address[] memory flat)
    {
        flat = new address[](count * size);
        for (uint256 i; i < count; ++i) {
            address[] memory c = staking.drawCommittee(keccak256(abi.encode(baseSeed, first + i)), size);
            for (uint256 j; j < size; ++j) {
                flat[i * size + j] = c[j];
            }
        }
    }

    /// @dev CREATE address for this contract's next nonce (nonce = 1 + contracts created so far).
    function _nextAddress() private view returns (address) {
        uint256 nonce = miners.length + 1;
        bytes memory rlp;
        if (nonce <= 0x7f) {
            rlp = abi.encodePacked(bytes1(0xd6), bytes1(0x94), address(this), uint8(nonce));
        } else if (nonce <= 0xff) {
            rlp = abi.encodePacked(bytes1(0xd7), bytes1(0x94), address(this), bytes1(0x81), uint8(nonce));
        } else {
            rlp = abi.encodePacked(bytes1(0xd8), bytes1(0x94), address(this), bytes1(0x82), uint16(nonce));
        }
        return address(uint160(uint256(keccak256(rlp))));
    }
}

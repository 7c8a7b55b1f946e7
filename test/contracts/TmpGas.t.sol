// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;
import {vm} from "./utils/Vm.sol";
import {StakingFixture} from "./PohStaking.t.sol";
contract TmpGasTest is StakingFixture {
    function setUp() public { _deploy(); _becomeCoordinator(); }
    function test_gas() public {
        for (uint256 i; i < 10; ++i) _stake(address(uint160(0x1000 + i)), 100e18 + i * 1e18);
        bytes memory out;
        for (uint256 k = 0; k <= 5; ++k) {
            uint256 g = gasleft();
            staking.drawCommittee(bytes32(uint256(1)), k);
            g = g - gasleft();
            out = abi.encodePacked(out, " k", _s(k), "=", _s(g));
        }
        uint256 g2 = gasleft();
        staking.minStake();
        g2 = g2 - gasleft();
        out = abi.encodePacked(out, " view=", _s(g2));
        revert(string(out));
    }
    function _s(uint256 v) internal pure returns (string memory) {
        if (v == 0) return "0"; uint256 len; for (uint256 t = v; t != 0; t /= 10) ++len;
        bytes memory b = new bytes(len); for (; v != 0; v /= 10) b[--len] = bytes1(uint8(48 + (v % 10))); return string(b);
    }
}

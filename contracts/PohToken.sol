// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IPohToken} from "./interfaces/IPohToken.sol";

/// @title PohToken
/// @notice The POH token: ERC-20 with EIP-2612 permit and a fixed cap of 10,000,000,000 POH.
/// 60% is minted at deployment to the treasury; the 40% mining allocation is minted only by the
/// emission contract, set once by the admin.
contract PohToken is IPohToken, ERC20Permit, AccessControlDefaultAdminRules {
    /// @inheritdoc IPohToken
    uint256 public constant CAP = 10_000_000_000e18;
    /// @inheritdoc IPohToken
    uint256 public constant MINING_ALLOCATION = (CAP * 40) / 100;
    /// @notice Minted to the treasury at deployment: CAP - MINING_ALLOCATION.
    uint256 public constant TREASURY_ALLOCATION = CAP - MINING_ALLOCATION;
    /// @notice Delay before a new default admin can accept the role (two-step admin transfer).
    uint48 public constant ADMIN_TRANSFER_DELAY = 1 days;

    address private _emission;
    uint256 private _miningMinted;
    uint256 private _totalBurned;

    /// @param admin the default admin (can set the emission contract once)
    /// @param treasury receives the 60% treasury allocation
    constructor(address admin, address treasury)
        ERC20("PoH Network", "POH")
        ERC20Permit("PoH Network")
        AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin)
    {
        // Revert if the treasury is the zero address (the admin is checked by AccessControlDefaultAdminRules).
        if (treasury == address(0)) revert ZeroAddress();
        _mint(treasury, TREASURY_ALLOCATION);
    }

    /// @inheritdoc IPohToken
    function setEmission(address emission_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        // Revert if the address is zero.
        if (emission_ == address(0)) revert ZeroAddress();
        // Revert if the emission contract was already set.
        if (_emission != address(0)) revert EmissionAlreadySet(_emission);
        _emission = emission_;
        emit EmissionSet(emission_);
    }

    /// @inheritdoc IPohToken
    function mintMining(address to, uint256 amount) external {
        // Revert if the caller is not the emission contract.
        if (msg.sender != _emission || msg.sender == address(0)) revert NotEmission(msg.sender);
        // Revert if the mint would exceed the mining allocation.
        uint256 remaining = MINING_ALLOCATION - _miningMinted;
        if (amount > remaining) revert MiningAllocationExceeded(amount, remaining);
        _miningMinted += amount;
        _mint(to, amount);
    }

    /// @inheritdoc IPohToken
    function burn(uint256 amount) external {
        _burn(msg.sender, amount);
    }

    /// @inheritdoc IPohToken
    function miningMinted() external view returns (uint256) {
        return _miningMinted;
    }

    /// @inheritdoc IPohToken
    function totalBurned() external view returns (uint256) {
        return _totalBurned;
    }

    /// @inheritdoc IPohToken
    function emission() external view returns (address) {
        return _emission;
    }

    /// @dev Counts every burn, whatever path reaches it.
    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (to == address(0)) _totalBurned += value;
    }
}

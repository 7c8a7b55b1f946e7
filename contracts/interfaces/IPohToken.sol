// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IPohToken
/// @notice The POH token: ERC-20 with permit and a fixed cap. 40% of the cap is the mining
/// allocation, minted only by the emission contract; the rest is minted at deployment to the
/// treasury.
interface IPohToken is IERC20 {
    /// @notice Thrown by the constructor or setEmission() if an address argument is zero.
    error ZeroAddress();
    /// @notice Thrown by setEmission() if the emission minter was already set.
    error EmissionAlreadySet(address emission);
    /// @notice Thrown by mintMining() if the caller is not the emission contract.
    error NotEmission(address caller);
    /// @notice Thrown by mintMining() if the mint would exceed the mining allocation.
    error MiningAllocationExceeded(uint256 requested, uint256 remaining);

    /// @notice Emitted once, when the emission contract is set as the only mining minter.
    event EmissionSet(address indexed emission);

    /// @notice Sets the emission contract (once, by the admin).
    function setEmission(address emission) external;

    /// @notice Mints from the mining allocation. Only the emission contract may call it.
    function mintMining(address to, uint256 amount) external;

    /// @notice Burns `amount` of the caller's tokens.
    function burn(uint256 amount) external;

    /// @notice 10,000,000,000 POH (18 decimals).
    function CAP() external view returns (uint256);
    /// @notice 40% of CAP.
    function MINING_ALLOCATION() external view returns (uint256);
    /// @notice How much of the mining allocation has been minted.
    function miningMinted() external view returns (uint256);
    /// @notice Total burned since deployment.
    function totalBurned() external view returns (uint256);
    /// @notice The emission contract, or zero before it is set.
    function emission() external view returns (address);
}

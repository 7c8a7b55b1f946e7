// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPohEmission
/// @notice POH for useful work. Each epoch (a fixed number of blocks) emits a fixed amount,
/// starting at 1 POH per block and halving every `halvingEpochs` epochs (about 2 years). Final
/// jobs give their agreeing members work points (weighted by the trust multiplier); after an
/// epoch ends, each miner claims the epoch's emission times its share of the epoch's points.
/// Tokens are minted at claim time from the token's mining allocation; emission of an epoch
/// with no points is never minted.
interface IPohEmission {
    /// @notice Thrown by recordWork() if the caller is not the coordinator.
    error NotCoordinator(address caller);
    /// @notice Thrown by claim() if the epoch has not ended yet.
    error EpochNotEnded(uint256 epoch, uint256 currentEpoch);
    /// @notice Thrown by claim() if the miner already claimed that epoch.
    error AlreadyClaimed(address miner, uint256 epoch);
    /// @notice Thrown by claim() if the miner has no points in that epoch.
    error NoPoints(address miner, uint256 epoch);
    /// @notice Thrown by claim() if the epoch list is empty.
    error NoEpochs();
    /// @notice Thrown by recordWork() if the arrays differ in length.
    error LengthMismatch();
    /// @notice Thrown by the constructor or setCoordinator() if an address is zero.
    error ZeroAddress();
    /// @notice Thrown by setCoordinator() if the coordinator was already set.
    error CoordinatorAlreadySet(address coordinator);
    /// @notice Thrown by the constructor if a parameter is outside its bounds.
    error ParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);

    /// @notice Emitted when the coordinator credits work points: once per coordinator transaction
    /// that made jobs final, with each agreeing miner's points summed over those `jobs` jobs (the
    /// per-job split is in the coordinator's JobFinalized events).
    event WorkRecorded(uint256 indexed epoch, uint256 jobs, address[] miners, uint256[] points);
    /// @notice Emitted when a miner claims an epoch's emission.
    event EmissionClaimed(address indexed miner, uint256 indexed epoch, uint256 points, uint256 amount);
    /// @notice Emitted once, when the coordinator is set.
    event CoordinatorSet(address indexed coordinator);

    /// @notice Credits work points in the current epoch for `jobs` final jobs. Coordinator only.
    function recordWork(uint256 jobs, address[] calldata miners, uint256[] calldata points) external;
    /// @notice Claims the caller's emission for ended epochs; returns the total minted.
    function claim(uint256[] calldata epochs) external returns (uint256 amount);
    function setCoordinator(address coordinator) external;

    function currentEpoch() external view returns (uint256);
    /// @notice Emission of `epoch` in POH wei: epochLength x 1 POH, halved per `halvingEpochs`.
    function epochEmission(uint256 epoch) external view returns (uint256);
    function epochPoints(uint256 epoch) external view returns (uint256);
    function minerPoints(address miner, uint256 epoch) external view returns (uint256);
    /// @notice What claim([epoch]) would mint for the miner now (0 if not ended or claimed).
    function claimableEmission(address miner, uint256 epoch) external view returns (uint256);
    function claimed(address miner, uint256 epoch) external view returns (bool);
    function genesisBlock() external view returns (uint256);
    function epochLength() external view returns (uint256);
    function halvingEpochs() external view returns (uint256);
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPohConsumer
/// @notice Implemented by integrator contracts that want the verdict delivered on-chain.
interface IPohConsumer {
    /// @notice Called by the coordinator when a job is final, with at most the job's
    /// callbackGasLimit gas. A revert here is caught and reported as CallbackFailed.
    /// @param jobId the job
    /// @param scoreBps median score, P(human) x 10000
    /// @param isHuman scoreBps >= the coordinator's threshold
    function onVerification(uint256 jobId, uint16 scoreBps, bool isHuman) external;
}

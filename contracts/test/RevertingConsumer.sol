// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPohConsumer} from "../interfaces/IPohConsumer.sol";

/// @title RevertingConsumer
/// @notice Test consumer whose callback always reverts; with `bomb` set it reverts with 10 kB of
/// data (the coordinator must cut the reason it copies back).
contract RevertingConsumer is IPohConsumer {
    /// @notice Always thrown by onVerification() unless `bomb` is set.
    error Refused(uint256 jobId);

    bool public immutable bomb;

    constructor(bool bomb_) {
        bomb = bomb_;
    }

    /// @inheritdoc IPohConsumer
    function onVerification(uint256 jobId, uint16, bool) external view {
        if (bomb) {
            assembly ("memory-safe") {
                revert(0x1000, 10000)
            }
        }
        revert Refused(jobId);
    }
}

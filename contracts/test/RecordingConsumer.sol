// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPohConsumer} from "../interfaces/IPohConsumer.sol";

/// @title RecordingConsumer
/// @notice Test consumer that records every verdict it receives.
contract RecordingConsumer is IPohConsumer {
    uint256 public calls;
    uint256 public lastJobId;
    uint16 public lastScoreBps;
    bool public lastIsHuman;
    address public lastCaller;

    /// @inheritdoc IPohConsumer
    function onVerification(uint256 jobId, uint16 scoreBps, bool isHuman) external {
        ++calls;
        lastJobId = jobId;
        lastScoreBps = scoreBps;
        lastIsHuman = isHuman;
        lastCaller = msg.sender;
    }
}

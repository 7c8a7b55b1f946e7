// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPohConsumer} from "../interfaces/IPohConsumer.sol";

/// @title GasBurningConsumer
/// @notice Test consumer whose callback writes storage until it runs out of gas.
contract GasBurningConsumer is IPohConsumer {
    mapping(uint256 => uint256) public sink;

    /// @inheritdoc IPohConsumer
    function onVerification(uint256 jobId, uint16, bool) external {
        for (uint256 i = jobId;; ++i) {
            sink[i] = i + 1;
        }
    }
}

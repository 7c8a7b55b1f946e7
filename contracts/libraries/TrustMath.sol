// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title TrustMath
/// @notice The trust multiplier that weights a miner's work points: it grows with the logarithm of
/// the miner's agreed jobs and is cut for good by each fault. It deliberately ignores stake.
library TrustMath {
    /// @notice 1.0x, the floor.
    uint256 internal constant MIN_BPS = 10_000;
    /// @notice 3.0x, the ceiling.
    uint256 internal constant MAX_BPS = 30_000;
    /// @notice Gain per doubling of (1 + agreed jobs): +0.2x.
    uint256 internal constant GAIN_PER_DOUBLING_BPS = 2_000;
    /// @notice Lasting cut per fault: -0.25x.
    uint256 internal constant PENALTY_PER_FAULT_BPS = 2_500;

    /// @notice clamp(10000 + 2000 * log2(1 + agreed) - 2500 * faults, 10000, 30000), where the
    /// fractional part of log2 is interpolated linearly between powers of two (exact at 2^k).
    /// @dev Examples: (0,0) -> 10000, (1,0) -> 12000, (2,0) -> 13000, (3,0) -> 14000,
    /// (1023,0) -> 30000, (3,1) -> 11500.
    function multiplierBps(uint256 agreed, uint256 faults) internal pure returns (uint256) {
        uint256 x = agreed == type(uint256).max ? agreed : agreed + 1;
        uint256 k = Math.log2(x);
        uint256 pow = uint256(1) << k;
        // log2(x) ~ k + (x - 2^k) / 2^k, in units of GAIN_PER_DOUBLING_BPS; at most ~512,000.
        uint256 up = MIN_BPS + GAIN_PER_DOUBLING_BPS * k + (x < 1 << 128 ? (GAIN_PER_DOUBLING_BPS * (x - pow)) / pow : Math.mulDiv(GAIN_PER_DOUBLING_BPS, x - pow, pow));
        // A fault count above up / 2500 already cuts everything (and would overflow if multiplied).
        up = faults > up / PENALTY_PER_FAULT_BPS ? 0 : up - faults * PENALTY_PER_FAULT_BPS;
        if (up < MIN_BPS) return MIN_BPS;
        if (up > MAX_BPS) return MAX_BPS;
        return up;
    }
}

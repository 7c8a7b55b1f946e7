// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title PohMath
/// @notice The coordinator's settlement arithmetic: the median of the revealed scores and the
/// split of a job's fee.
library PohMath {
    uint256 internal constant BPS = 10_000;

    /// @notice The median of the first `n` values of `values` (n >= 1), sorting them in place.
    /// For an even count it is the lower of the two middle values, so the result is always a
    /// score some member actually revealed (no rounding, no bias between two camps).
    /// @dev Insertion sort: n <= 15 (the largest committee), so O(n^2) stays a few thousand gas.
    function lowerMedian(uint256[] memory values, uint256 n) internal pure returns (uint256) {
        for (uint256 i = 1; i < n; ++i) {
            uint256 v = values[i];
            uint256 j = i;
            while (j != 0 && values[j - 1] > v) {
                values[j] = values[j - 1];
                --j;
            }
            values[j] = v;
        }
        return values[(n - 1) / 2];
    }

    /// @notice Splits `fee` between the treasury and `agreeCount` (>= 1) agreeing members.
    /// protocolFee = fee x protocolFeeBps / 10000; of the rest (net), the proposer first gets
    /// net x proposerBonusBps / 10000, then everyone (the proposer too) an equal `share` of what
    /// remains; the rounding dust goes to the proposer. So
    /// protocolFee + agreeCount x share + proposerExtra == fee exactly.
    /// @return protocolFee credited to the treasury
    /// @return share credited to every agreeing member
    /// @return proposerExtra credited to the proposer on top of its share (bonus + dust)
    function splitFee(uint256 fee, uint256 agreeCount, uint256 protocolFeeBps, uint256 proposerBonusBps)
        internal
        pure
        returns (uint256 protocolFee, uint256 share, uint256 proposerExtra)
    {
        protocolFee = (fee * protocolFeeBps) / BPS;
        uint256 net = fee - protocolFee;
        uint256 bonus = (net * proposerBonusBps) / BPS;
        uint256 rest = net - bonus;
        share = rest / agreeCount;
        proposerExtra = bonus + (rest - share * agreeCount);
    }
}

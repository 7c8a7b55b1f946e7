// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {vm} from "./utils/Vm.sol";
import {CoordinatorFixture} from "./CoordinatorFixture.t.sol";
import {IPohCoordinator} from "../../contracts/interfaces/IPohCoordinator.sol";
import {PohMath} from "../../contracts/libraries/PohMath.sol";

/// @dev Fuzz tests of the settlement arithmetic: median, tolerance, shares and rounding.
contract CoordinatorFuzzTest is CoordinatorFixture {
    function setUp() public {
        _deploy(8);
    }

    /// protocol fee + every share + the proposer's extra is exactly the fee; nobody gets more
    /// than the proposer.
    function testFuzz_splitFee_DistributesFeeExactly(uint256 fee, uint256 agree, uint256 feeBps, uint256 bonusBps)
        public
        pure
    {
        fee = bound(fee, 0, type(uint96).max);
        agree = bound(agree, 1, 15);
        feeBps = bound(feeBps, 0, 2000);
        bonusBps = bound(bonusBps, 0, 5000);
        (uint256 protocolFee, uint256 share, uint256 extra) = PohMath.splitFee(fee, agree, feeBps, bonusBps);
        assertEq(protocolFee + agree * share + extra, fee, "exact distribution");
        assertEq(protocolFee, fee * feeBps / 10_000, "protocol fee");
        uint256 net = fee - protocolFee;
        assertGe(extra, net * bonusBps / 10_000, "bonus at least");
        assertLt(extra - net * bonusBps / 10_000, agree, "dust below one unit per member");
    }

    /// The lower median is the ((n-1)/2)-th smallest value.
    function testFuzz_lowerMedian_IsKthSmallest(uint16[15] memory raw, uint256 n) public pure {
        n = bound(n, 1, 15);
        uint256[] memory values = new uint256[](15);
        for (uint256 i; i < n; ++i) values[i] = raw[i] % 10_001;
        uint256[] memory copy = new uint256[](n);
        for (uint256 i; i < n; ++i) copy[i] = values[i];
        uint256 m = PohMath.lowerMedian(values, n);
        uint256 below;
        uint256 atOrBelow;
        for (uint256 i; i < n; ++i) {
            if (copy[i] < m) ++below;
            if (copy[i] <= m) ++atOrBelow;
        }
        uint256 k = (n - 1) / 2;
        assertLe(below, k, "at most k values below the median");
        assertGt(atOrBelow, k, "more than k values at or below the median");
        for (uint256 i = 1; i < n; ++i) assertLe(values[i - 1], values[i], "sorted in place");
    }

    /// A whole job with fuzzed reveals, tolerance and fee: the fee is credited exactly once and
    /// in full, the outcome follows the rules, and the coordinator stays solvent.
    function testFuzz_settle_CreditsFeeExactlyAndFollowsRules(
        uint256[5] memory raw,
        uint256 tolerance,
        uint256 fee,
        uint256 bonusBps
    ) public {
        tolerance = bound(tolerance, 0, 5000);
        fee = bound(fee, 0.0001 ether, 50 ether);
        bonusBps = bound(bonusBps, 0, 5000);
        coordinator.setToleranceBps(uint16(tolerance));
        coordinator.setProposerBonusBps(uint16(bonusBps));
        vm.prank(requester);
        uint256 jobId = coordinator.requestVerification{value: fee}(modelId, INPUT_HASH, INPUT_URI, address(0), 0);
        address[] memory c = _committee(jobId);

        // Each member: 0..10000, 65535, no commit or no reveal.
        uint256[] memory scores = new uint256[](5);
        for (uint256 i; i < 5; ++i) {
            uint256 r = raw[i] % 10_004;
            if (r <= 10_000) scores[i] = r;
            else if (r == 10_001) scores[i] = 65_535;
            else if (r == 10_002) scores[i] = NO_COMMIT;
            else scores[i] = NO_REVEAL;
        }
        _play(jobId, scores);
        IPohCoordinator.Job memory job = coordinator.getJob(jobId);
        if (job.status == IPohCoordinator.JobStatus.Pending) {
            vm.roll(job.revealDeadline + 1);
            if (job.revealCount >= job.quorum) coordinator.finalize(jobId);
            else coordinator.expire(jobId);
            job = coordinator.getJob(jobId);
        }

        // Credits add up to the fee exactly.
        uint256 credited = coordinator.claimable(requester) + coordinator.claimable(treasury);
        for (uint256 i; i < 5; ++i) credited += coordinator.claimable(c[i]);
        assertEq(credited, fee, "fee credited exactly");
        assertEq(coordinator.totalEscrowed(), 0, "nothing escrowed");
        assertEq(coordinator.totalClaimable(), fee, "all claimable");
        assertEq(address(coordinator).balance, fee, "solvent");

        // Reference outcome.
        uint256 reveals;
        uint256 invalid;
        uint256[] memory valid = new uint256[](5);
        uint256 v;
        for (uint256 i; i < 5; ++i) {
            if (scores[i] == NO_COMMIT || scores[i] == NO_REVEAL) continue;
            ++reveals;
            if (scores[i] == 65_535) ++invalid;
            else valid[v++] = scores[i];
        }
        assertEq(job.revealCount, reveals, "reveal count");
        if (reveals < 3) {
            assertTrue(job.failure == IPohCoordinator.FailureReason.Expired, "expired");
            assertEq(coordinator.claimable(requester), fee, "refund");
            return;
        }
        if (invalid >= 3) {
            assertTrue(job.failure == IPohCoordinator.FailureReason.InputInvalid, "input invalid");
            assertEq(coordinator.claimable(requester), fee, "refund");
            return;
        }
        uint256 median = _referenceLowerMedian(valid, v);
        uint256 agree;
        for (uint256 i; i < v; ++i) {
            uint256 d = valid[i] > median ? valid[i] - median : median - valid[i];
            if (d <= tolerance) ++agree;
        }
        if (agree < 3) {
            assertTrue(job.failure == IPohCoordinator.FailureReason.NoAgreement, "no agreement");
            assertEq(coordinator.claimable(requester), fee, "refund");
            return;
        }
        assertTrue(job.status == IPohCoordinator.JobStatus.Final, "final");
        assertEq(job.result, median, "median");
        assertEq(job.verdict, median >= 5000, "verdict");
        assertEq(coordinator.claimable(requester), 0, "no refund");
        assertEq(coordinator.claimable(treasury), fee * 500 / 10_000, "protocol fee");
        uint256 paid;
        for (uint256 i; i < 5; ++i) {
            bool agreed = scores[i] <= 10_000
                && (scores[i] > median ? scores[i] - median : median - scores[i]) <= tolerance;
            if (agreed) ++paid;
            assertEq(coordinator.claimable(c[i]) != 0, agreed, "paid iff agreed");
        }
        assertEq(paid, agree, "agreeing members paid");
    }

    function _referenceLowerMedian(uint256[] memory a, uint256 n) internal pure returns (uint256) {
        // Selection by counting: the smallest value with more than (n-1)/2 values at or below it.
        uint256 k = (n - 1) / 2;
        uint256 best = type(uint256).max;
        for (uint256 i; i < n; ++i) {
            uint256 atOrBelow;
            for (uint256 j; j < n; ++j) if (a[j] <= a[i]) ++atOrBelow;
            if (atOrBelow > k && a[i] < best) best = a[i];
        }
        return best;
    }
}

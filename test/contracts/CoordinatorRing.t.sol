// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {vm} from "./utils/Vm.sol";
import {CoordinatorFixture} from "./CoordinatorFixture.t.sol";
import {PohCoordinator} from "../../contracts/PohCoordinator.sol";
import {IPohCoordinator} from "../../contracts/interfaces/IPohCoordinator.sol";

/// @dev The coordinator's job ring: records reused after jobSlots newer jobs, the permanent
/// outcome table, and the busy-slot guard. A 4-record ring makes reuse happen within a test.
contract CoordinatorRingTest is CoordinatorFixture {
    uint256 internal constant SLOTS = 4;

    function _jobSlots() internal pure override returns (uint256) {
        return SLOTS;
    }

    function setUp() public {
        _deploy(6);
    }

    function _finishAll(uint256 from, uint256 to) internal {
        for (uint256 id = from; id <= to; ++id) {
            _play(id, _scores5(8000 + id, 8100, 8200, 8300, 8400));
        }
    }

    function test_constructor_StoresJobSlots() public view {
        assertEq(coordinator.jobSlots(), SLOTS, "jobSlots");
    }

    function test_constructor_RevertWhen_JobSlotsOutOfBounds() public {
        uint256 max = coordinator.MAX_JOB_SLOTS();
        address s = address(staking);
        address r = address(registry);
        address e = address(emission);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.ParameterOutOfBounds.selector, bytes32("jobSlots"), 0, 1, max));
        new PohCoordinator(address(this), s, r, e, treasury, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IPohCoordinator.ParameterOutOfBounds.selector, bytes32("jobSlots"), max + 1, 1, max)
        );
        new PohCoordinator(address(this), s, r, e, treasury, max + 1);
    }

    function test_ring_ReusesTheRecordOfAnEndedJob() public {
        for (uint256 i; i < SLOTS; ++i) _request();
        _finishAll(1, SLOTS);
        IPohCoordinator.Job memory before = coordinator.getJob(1);
        assertEq(before.requester, requester, "full record before reuse");
        assertEq(before.result, 8200, "median");

        uint256 jobId = _request(); // job 5 takes job 1's record
        assertEq(jobId, SLOTS + 1, "id");
        IPohCoordinator.Job memory fresh = coordinator.getJob(jobId);
        assertTrue(fresh.status == IPohCoordinator.JobStatus.Pending, "new job pending");
        assertEq(fresh.commitCount, 0, "no stale commits");
        assertEq(fresh.revealCount, 0, "no stale reveals");
        assertEq(fresh.result, 0, "no stale result");
        assertEq(fresh.finalBlock, 0, "no stale final block");
        assertEq(fresh.requester, requester, "requester");
        for (uint256 i; i < 5; ++i) {
            (bool isMember, bool committed, bool revealed,) = coordinator.getMember(jobId, fresh.committee[i]);
            assertTrue(isMember && !committed && !revealed, "members start clean");
        }

        // Job 1 keeps its outcome; the rest of its record is gone.
        IPohCoordinator.Job memory old = coordinator.getJob(1);
        assertTrue(old.status == IPohCoordinator.JobStatus.Final, "old status");
        assertEq(old.result, before.result, "old result");
        assertEq(old.verdict, before.verdict, "old verdict");
        assertEq(old.requester, address(0), "old requester dropped");
        assertEq(old.committee.length, 0, "old committee dropped");
        (bool wasMember,,,) = coordinator.getMember(1, before.committee[0]);
        assertFalse(wasMember, "old membership dropped");
        (IPohCoordinator.JobStatus status,, uint16 result, bool verdict) = coordinator.jobOutcome(1);
        assertTrue(status == IPohCoordinator.JobStatus.Final && result == 8200 && verdict, "jobOutcome");

        // The new job runs to the end on the reused record.
        _play(jobId, _scores5(3000, 3100, 3200, 9000, 3300));
        IPohCoordinator.Job memory done = coordinator.getJob(jobId);
        assertTrue(done.status == IPohCoordinator.JobStatus.Final, "final");
        assertEq(done.result, 3200, "median");
        assertFalse(done.verdict, "bot");
        assertEq(coordinator.totalEscrowed(), 0, "nothing escrowed");
    }

    function test_ring_OutcomeTableKeepsEveryJobAcrossWords() public {
        // 30 jobs span three words of the outcome table (13 per word); results cover 0 and 10,000.
        uint16[30] memory results;
        for (uint256 j; j < 30; ++j) {
            uint256 jobId = _request();
            results[j] = uint16((j * 3_449) % 10_001);
            if (j == 12) results[j] = 10_000;
            if (j == 13) results[j] = 0;
            _play(jobId, _scores5(results[j], results[j], results[j], results[j], results[j]));
        }
        for (uint256 j; j < 30; ++j) {
            (IPohCoordinator.JobStatus status, IPohCoordinator.FailureReason failure, uint16 result, bool verdict) =
                coordinator.jobOutcome(j + 1);
            assertTrue(status == IPohCoordinator.JobStatus.Final, "final");
            assertTrue(failure == IPohCoordinator.FailureReason.None, "no failure");
            assertEq(result, results[j], "result");
            assertEq(verdict, results[j] >= 5000, "verdict");
        }
    }

    function test_ring_FailedOutcomeIsKept() public {
        uint256 failed = _request();
        vm.roll(coordinator.getJob(failed).commitDeadline + 1);
        coordinator.expire(failed);
        for (uint256 i; i < SLOTS; ++i) _request(); // the last one reuses job 1's record
        IPohCoordinator.Job memory old = coordinator.getJob(failed);
        assertTrue(old.status == IPohCoordinator.JobStatus.Failed, "failed");
        assertTrue(old.failure == IPohCoordinator.FailureReason.Expired, "expired");
        assertEq(old.result, 0, "no result");
        (IPohCoordinator.JobStatus pending,,,) = coordinator.jobOutcome(SLOTS + 1);
        assertTrue(pending == IPohCoordinator.JobStatus.None, "no outcome while pending");
    }

    function test_ring_RevertWhen_RecordHoldsPendingJob() public {
        for (uint256 i; i < SLOTS; ++i) _request();
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(PohCoordinator.JobSlotBusy.selector, SLOTS + 1, 1));
        coordinator.requestVerification{value: FEE}(modelId, INPUT_HASH, INPUT_URI, address(0), 0);

        // A batch whose second job hits the busy record reverts as a whole.
        _finishAll(1, 1);
        bytes32[] memory hashes = new bytes32[](2);
        string[] memory uris = new string[](2);
        (hashes[0], hashes[1], uris[0], uris[1]) = (INPUT_HASH, INPUT_HASH, INPUT_URI, INPUT_URI);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(PohCoordinator.JobSlotBusy.selector, SLOTS + 2, 2));
        coordinator.requestVerificationBatch{value: 2 * FEE}(modelId, hashes, uris, address(0), 0);
        assertEq(coordinator.jobCount(), SLOTS, "nothing created");

        // Once the pending job ends (here: expired), its record can be reused.
        vm.roll(coordinator.getJob(2).commitDeadline + 1);
        coordinator.expire(2);
        vm.prank(requester);
        assertEq(
            coordinator.requestVerificationBatch{value: 2 * FEE}(modelId, hashes, uris, address(0), 0),
            SLOTS + 1,
            "batch after the records freed"
        );
    }

    function test_ring_ActionsOnAReusedJobRevertAsEnded() public {
        for (uint256 i; i < SLOTS; ++i) _request();
        address m = _committee(1)[0];
        _finishAll(1, 1);
        _request(); // reuses job 1's record
        vm.prank(m);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.CommitPhaseOver.selector, 1));
        coordinator.commit(1, keccak256("c"));
        vm.prank(m);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.RevealPhaseOver.selector, 1));
        coordinator.reveal(1, 5000, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.JobAlreadyEnded.selector, 1));
        coordinator.finalize(1);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.JobAlreadyEnded.selector, 1));
        coordinator.expire(1);
    }

    function test_ring_RevertWhen_UnknownJobBeyondCount() public {
        _request();
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.UnknownJob.selector, 2));
        coordinator.getJob(2);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.UnknownJob.selector, 0));
        coordinator.getJob(0);
        // Job 1 + SLOTS maps to job 1's record but does not exist yet.
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.UnknownJob.selector, 1 + SLOTS));
        coordinator.finalize(1 + SLOTS);
        (bool isMember,,,) = coordinator.getMember(1 + SLOTS, _committee(1)[0]);
        assertFalse(isMember, "unknown job has no members");
    }

    function test_request_RevertWhen_JobIdsExhausted() public {
        _request();
        // _jobCount shares a word with the treasury address: find it and set the count to 2^48 - 1.
        bytes32 slot;
        bool found;
        for (uint256 i; i < 64 && !found; ++i) {
            uint256 v = uint256(vm.load(address(coordinator), bytes32(i)));
            if (address(uint160(v)) == treasury && uint64(v >> 160) == 1) (slot, found) = (bytes32(i), true);
        }
        assertTrue(found, "found the job counter");
        uint256 word = uint256(vm.load(address(coordinator), slot));
        word = (word & ~(uint256(type(uint64).max) << 160)) | (((uint256(1) << 48) - 1) << 160);
        vm.store(address(coordinator), slot, bytes32(word));
        assertEq(coordinator.jobCount(), (uint256(1) << 48) - 1, "counter set");
        vm.prank(requester);
        vm.expectRevert(PohCoordinator.JobIdsExhausted.selector);
        coordinator.requestVerification{value: FEE}(modelId, INPUT_HASH, INPUT_URI, address(0), 0);
    }
}

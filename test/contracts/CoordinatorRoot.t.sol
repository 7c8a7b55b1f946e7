// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {vm} from "./utils/Vm.sol";
import {CoordinatorFixture} from "./CoordinatorFixture.t.sol";
import {IPohCoordinator} from "../../contracts/interfaces/IPohCoordinator.sol";

/// @dev commitBatchRoot / revealBatchRoot: one stored word per commit batch. Every miner sits on
/// every committee (8 of 8), so each test drives whole batches per miner.
contract CoordinatorRootTest is CoordinatorFixture {
    uint16 internal constant SKIP = 65534;

    uint256 internal a;
    uint256 internal b;
    uint256[] internal ids;

    function setUp() public {
        _deploy(8);
        coordinator.setCommittee(8, 0);
        a = _request();
        b = _request();
        ids = new uint256[](2);
        (ids[0], ids[1]) = (a, b);
    }

    function _cms(address m, uint16 sa, uint16 sb) internal view returns (bytes32[] memory cs) {
        cs = new bytes32[](2);
        (cs[0], cs[1]) = (_commitment(a, m, sa), _commitment(b, m, sb));
    }

    function _pair(uint16 x, uint16 y) internal pure returns (uint16[] memory s) {
        s = new uint16[](2);
        (s[0], s[1]) = (x, y);
    }

    function _salts(address m) internal view returns (bytes32[] memory s) {
        s = new bytes32[](2);
        (s[0], s[1]) = (_salt(a, m), _salt(b, m));
    }

    function _commitRoot(address m, uint16 sa, uint16 sb) internal {
        vm.prank(m);
        coordinator.commitBatchRoot(ids, _cms(m, sa, sb));
    }

    function _revealRoot(address m, uint16 sa, uint16 sb, uint16[] memory scores) internal {
        bytes32[] memory cs = _cms(m, sa, sb);
        bytes32[] memory salts = _salts(m);
        vm.prank(m);
        coordinator.revealBatchRoot(ids, cs, scores, salts);
    }

    // ------------------------------------------------------------------ commitBatchRoot
    function test_commitBatchRoot_CommitsEveryJobAndEmits() public {
        address m = miners[2];
        bytes32[] memory cs = _cms(m, 4000, 9000);
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit IPohCoordinator.Committed(m, ids, cs);
        vm.prank(m);
        coordinator.commitBatchRoot(ids, cs);
        (bool isMember, bool ca, bool ra,) = coordinator.getMember(a, m);
        (, bool cb,,) = coordinator.getMember(b, m);
        assertTrue(isMember && ca && cb && !ra, "both committed, none revealed");
        assertEq(coordinator.getJob(a).commitCount, 1, "counted");
    }

    function test_commitBatchRoot_RevertWhen_Empty() public {
        vm.expectRevert(IPohCoordinator.LengthMismatch.selector);
        coordinator.commitBatchRoot(new uint256[](0), new bytes32[](0));
    }

    function test_commitBatchRoot_RevertWhen_LengthMismatch() public {
        vm.expectRevert(IPohCoordinator.LengthMismatch.selector);
        coordinator.commitBatchRoot(ids, new bytes32[](1));
    }

    function test_commitBatchRoot_RevertWhen_AJobIsAlreadyCommitted() public {
        address m = miners[0];
        _commit(a, m, 4000);
        bytes32[] memory cs = _cms(m, 4000, 9000);
        vm.prank(m);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.AlreadyCommitted.selector, a, m));
        coordinator.commitBatchRoot(ids, cs);
    }

    function test_commitBatchRoot_RevertWhen_NotCommitteeMember() public {
        address outsider = makeAddr("outsider");
        bytes32[] memory cs = _cms(outsider, 1, 2);
        vm.prank(outsider);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.NotCommitteeMember.selector, a, outsider));
        coordinator.commitBatchRoot(ids, cs);
    }

    // ------------------------------------------------------------------ revealBatchRoot
    function test_revealBatchRoot_RevealsAndSettlesBothJobs() public {
        for (uint256 i; i < 8; ++i) _commitRoot(miners[i], 4000, 9000);
        for (uint256 i; i < 8; ++i) _revealRoot(miners[i], 4000, 9000, _pair(4000, 9000));
        IPohCoordinator.Job memory ja = coordinator.getJob(a);
        IPohCoordinator.Job memory jb = coordinator.getJob(b);
        assertTrue(ja.status == IPohCoordinator.JobStatus.Final && jb.status == IPohCoordinator.JobStatus.Final, "final");
        assertEq(ja.result, 4000, "a result");
        assertEq(jb.result, 9000, "b result");
        assertEq(coordinator.minerStats(miners[5]).agreed, 2, "agreed on both");
        assertEq(coordinator.totalEscrowed(), 0, "escrow released");
    }

    function test_revealBatchRoot_EmitsRevealedForTheRevealedJobsOnly() public {
        for (uint256 i; i < 8; ++i) _commitRoot(miners[i], 4000, 9000);
        address m = miners[0];
        uint256[] memory only = new uint256[](1);
        only[0] = b;
        uint16[] memory score = new uint16[](1);
        score[0] = 9000;
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit IPohCoordinator.Revealed(m, only, score);
        _revealRoot(m, 4000, 9000, _pair(SKIP, 9000));
    }

    function test_revealBatchRoot_SkippedJobIsRevealedInALaterCall() public {
        for (uint256 i; i < 8; ++i) _commitRoot(miners[i], 4000, 9000);
        address m = miners[3];
        _revealRoot(m, 4000, 9000, _pair(SKIP, 9000));
        (,, bool ra,) = coordinator.getMember(a, m);
        (,, bool rb, uint16 sb) = coordinator.getMember(b, m);
        assertTrue(!ra && rb, "only b revealed");
        assertEq(sb, 9000, "b score");
        _revealRoot(m, 4000, 9000, _pair(4000, SKIP));
        (,, ra,) = coordinator.getMember(a, m);
        assertTrue(ra, "a revealed later");
        assertEq(coordinator.getJob(a).revealCount, 1, "one reveal on a");
        assertEq(coordinator.getJob(b).revealCount, 1, "one reveal on b");
    }

    function test_revealBatchRoot_AllSkippedDoesNothing() public {
        for (uint256 i; i < 8; ++i) _commitRoot(miners[i], 4000, 9000);
        vm.recordLogs();
        _revealRoot(miners[1], 4000, 9000, _pair(SKIP, SKIP));
        assertEq(vm.getRecordedLogs().length, 0, "no event");
        assertEq(coordinator.getJob(a).revealCount, 0, "nothing revealed");
    }

    function test_revealBatchRoot_MismatchCountsAsNoRevealAndCanBeRetried() public {
        for (uint256 i; i < 8; ++i) _commitRoot(miners[i], 4000, 9000);
        address m = miners[4];
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit IPohCoordinator.RevealMismatched(a, m);
        _revealRoot(m, 4000, 9000, _pair(4001, SKIP));
        assertEq(coordinator.getJob(a).revealCount, 0, "a mismatch is no reveal");
        _revealRoot(m, 4000, 9000, _pair(4000, SKIP));
        assertEq(coordinator.getJob(a).revealCount, 1, "the right score still counts");
    }

    function test_revealBatchRoot_RevertWhen_OrderDiffersFromTheCommit() public {
        address m = miners[0];
        for (uint256 i; i < 8; ++i) _commitRoot(miners[i], 4000, 9000);
        uint256[] memory swapped = new uint256[](2);
        (swapped[0], swapped[1]) = (b, a);
        bytes32[] memory cs = new bytes32[](2);
        (cs[0], cs[1]) = (_commitment(b, m, 9000), _commitment(a, m, 4000));
        bytes32[] memory salts = new bytes32[](2);
        (salts[0], salts[1]) = (_salt(b, m), _salt(a, m));
        vm.prank(m);
        vm.expectRevert(IPohCoordinator.UnknownCommitRoot.selector);
        coordinator.revealBatchRoot(swapped, cs, _pair(9000, 4000), salts);
    }

    function test_revealBatchRoot_RevertWhen_CommitmentsDifferFromTheCommit() public {
        address m = miners[0];
        for (uint256 i; i < 8; ++i) _commitRoot(miners[i], 4000, 9000);
        // Claiming the batch held a commitment to 4100 instead of 4000.
        bytes32[] memory cs = _cms(m, 4100, 9000);
        bytes32[] memory salts = _salts(m);
        vm.prank(m);
        vm.expectRevert(IPohCoordinator.UnknownCommitRoot.selector);
        coordinator.revealBatchRoot(ids, cs, _pair(4100, 9000), salts);
    }

    function test_revealBatchRoot_RevertWhen_AnotherMinersRoot() public {
        for (uint256 i; i < 8; ++i) _commitRoot(miners[i], 4000, 9000);
        bytes32[] memory cs = _cms(miners[0], 4000, 9000);
        bytes32[] memory salts = _salts(miners[0]);
        vm.prank(miners[1]);
        vm.expectRevert(IPohCoordinator.UnknownCommitRoot.selector);
        coordinator.revealBatchRoot(ids, cs, _pair(4000, 9000), salts);
    }

    function test_revealBatchRoot_RevertWhen_Empty() public {
        vm.expectRevert(IPohCoordinator.LengthMismatch.selector);
        coordinator.revealBatchRoot(new uint256[](0), new bytes32[](0), new uint16[](0), new bytes32[](0));
    }

    function test_revealBatchRoot_RevertWhen_CommitmentsLengthMismatch() public {
        vm.expectRevert(IPohCoordinator.LengthMismatch.selector);
        coordinator.revealBatchRoot(ids, new bytes32[](1), new uint16[](2), new bytes32[](2));
    }

    function test_revealBatchRoot_RevertWhen_ScoresLengthMismatch() public {
        vm.expectRevert(IPohCoordinator.LengthMismatch.selector);
        coordinator.revealBatchRoot(ids, new bytes32[](2), new uint16[](1), new bytes32[](2));
    }

    function test_revealBatchRoot_RevertWhen_SaltsLengthMismatch() public {
        vm.expectRevert(IPohCoordinator.LengthMismatch.selector);
        coordinator.revealBatchRoot(ids, new bytes32[](2), new uint16[](2), new bytes32[](3));
    }

    function test_revealBatchRoot_RevertWhen_RevealPhaseNotStarted() public {
        _commitRoot(miners[0], 4000, 9000);
        bytes32[] memory cs = _cms(miners[0], 4000, 9000);
        bytes32[] memory salts = _salts(miners[0]);
        vm.prank(miners[0]);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.RevealPhaseNotStarted.selector, a));
        coordinator.revealBatchRoot(ids, cs, _pair(4000, 9000), salts);
    }

    function test_revealBatchRoot_RevertWhen_AlreadyRevealed() public {
        for (uint256 i; i < 8; ++i) _commitRoot(miners[i], 4000, 9000);
        _revealRoot(miners[0], 4000, 9000, _pair(4000, SKIP));
        bytes32[] memory cs = _cms(miners[0], 4000, 9000);
        bytes32[] memory salts = _salts(miners[0]);
        vm.prank(miners[0]);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.AlreadyRevealed.selector, a, miners[0]));
        coordinator.revealBatchRoot(ids, cs, _pair(4000, SKIP), salts);
    }

    // ------------------------------------------------------------------ the two paths stay apart
    function test_reveal_RevertWhen_CommittedByRoot() public {
        for (uint256 i; i < 8; ++i) _commitRoot(miners[i], 4000, 9000);
        bytes32 salt = _salt(a, miners[0]);
        vm.prank(miners[0]);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.WrongRevealPath.selector, a, miners[0]));
        coordinator.reveal(a, 4000, salt);
    }

    function test_revealBatch_RevertWhen_CommittedByRoot() public {
        for (uint256 i; i < 8; ++i) _commitRoot(miners[i], 4000, 9000);
        bytes32[] memory salts = _salts(miners[0]);
        vm.prank(miners[0]);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.WrongRevealPath.selector, a, miners[0]));
        coordinator.revealBatch(ids, _pair(4000, 9000), salts);
    }

    function test_revealBatch_RevertWhen_SkipScore() public {
        for (uint256 i; i < 8; ++i) _commit(a, miners[i], 4000);
        uint256[] memory one = new uint256[](1);
        one[0] = a;
        bytes32[] memory salt = new bytes32[](1);
        salt[0] = _salt(a, miners[0]);
        uint16[] memory skip = new uint16[](1);
        skip[0] = SKIP;
        vm.prank(miners[0]);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.InvalidScore.selector, SKIP));
        coordinator.revealBatch(one, skip, salt);
    }

    function test_mixedPaths_OnOneJobSettleTogether() public {
        // Half the committee commits per job, half by root; the job settles the same way.
        for (uint256 i; i < 8; ++i) {
            if (i % 2 == 0) {
                _commit(a, miners[i], 4000);
                _commit(b, miners[i], 9000);
            } else {
                _commitRoot(miners[i], 4000, 9000);
            }
        }
        for (uint256 i; i < 8; ++i) {
            if (i % 2 == 0) {
                _reveal(a, miners[i], 4000);
                _reveal(b, miners[i], 9000);
            } else {
                _revealRoot(miners[i], 4000, 9000, _pair(4000, 9000));
            }
        }
        assertTrue(coordinator.getJob(a).status == IPohCoordinator.JobStatus.Final, "a final");
        assertEq(coordinator.getJob(b).result, 9000, "b result");
        assertEq(coordinator.minerStats(miners[1]).agreed, 2, "root member paid on both");
        assertEq(coordinator.minerStats(miners[2]).agreed, 2, "per-job member paid on both");
    }
}

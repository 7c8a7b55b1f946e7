// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm, vm} from "./utils/Vm.sol";
import {CoordinatorFixture, vmx} from "./CoordinatorFixture.t.sol";
import {PohCoordinator} from "../../contracts/PohCoordinator.sol";
import {IPohCoordinator} from "../../contracts/interfaces/IPohCoordinator.sol";
import {IPohStaking} from "../../contracts/interfaces/IPohStaking.sol";
import {IPohEmission} from "../../contracts/interfaces/IPohEmission.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {GasBurningConsumer} from "../../contracts/test/GasBurningConsumer.sol";

/// @dev A requester contract that refuses native coin, to make withdraw() fail.
contract RefusingRequester {
    function request(PohCoordinator c, uint32 modelId) external payable returns (uint256) {
        return c.requestVerification{value: msg.value}(modelId, keccak256("x"), "ipfs://x", address(0), 0);
    }

    function pull(PohCoordinator c) external {
        c.withdraw();
    }

    receive() external payable {
        revert("no");
    }
}

/// @dev Unit tests: every external function, event and revert path of PohCoordinator.
contract PohCoordinatorTest is CoordinatorFixture {
    function setUp() public {
        _deploy(8);
    }

    function _outsider(uint256 jobId) internal view returns (address) {
        address[] memory c = _committee(jobId);
        for (uint256 i; i < miners.length; ++i) {
            bool member;
            for (uint256 k; k < c.length; ++k) if (c[k] == miners[i]) member = true;
            if (!member) return miners[i];
        }
        revert("no outsider");
    }

    function _commitAll(uint256 jobId, uint16 score) internal returns (address[] memory c) {
        c = _committee(jobId);
        for (uint256 i; i < c.length; ++i) _commit(jobId, c[i], score);
    }

    // ------------------------------------------------------------------ constructor
    function test_constructor_SetsDefaultsAndRoles() public view {
        IPohCoordinator.Params memory p = coordinator.getParams();
        assertEq(p.committeeSize, 5, "committeeSize");
        assertEq(p.quorum, 3, "quorum");
        assertEq(p.toleranceBps, 500, "toleranceBps");
        assertEq(p.thresholdBps, 5000, "thresholdBps");
        assertEq(p.protocolFeeBps, 500, "protocolFeeBps");
        assertEq(p.proposerBonusBps, 1000, "proposerBonusBps");
        assertEq(p.livenessPenaltyBps, 100, "livenessPenaltyBps");
        assertEq(p.outlierPenaltyBps, 300, "outlierPenaltyBps");
        assertEq(p.commitWindow, 10, "commitWindow");
        assertEq(p.revealWindow, 10, "revealWindow");
        assertEq(p.maxCallbackGas, 500_000, "maxCallbackGas");
        assertEq(p.minFee, 0.0001 ether, "minFee");
        assertEq(coordinator.treasury(), treasury, "treasury");
        assertEq(coordinator.staking(), address(staking), "staking");
        assertEq(coordinator.registry(), address(registry), "registry");
        assertEq(coordinator.emission(), address(emission), "emission");
        assertEq(coordinator.INVALID_SCORE(), 65_535, "invalid score");
        assertEq(coordinator.jobCount(), 0, "no jobs");
        assertTrue(coordinator.hasRole(coordinator.GOVERNOR_ROLE(), address(this)), "governor");
        assertTrue(coordinator.hasRole(coordinator.PAUSER_ROLE(), address(this)), "pauser");
        assertEq(coordinator.defaultAdmin(), address(this), "admin");
    }

    function test_constructor_RevertWhen_ZeroAddress() public {
        address s = address(staking);
        address r = address(registry);
        address e = address(emission);
        vm.expectRevert(IPohCoordinator.ZeroAddress.selector);
        new PohCoordinator(address(this), address(0), r, e, treasury, 65_536);
        vm.expectRevert(IPohCoordinator.ZeroAddress.selector);
        new PohCoordinator(address(this), s, address(0), e, treasury, 65_536);
        vm.expectRevert(IPohCoordinator.ZeroAddress.selector);
        new PohCoordinator(address(this), s, r, address(0), treasury, 65_536);
        vm.expectRevert(IPohCoordinator.ZeroAddress.selector);
        new PohCoordinator(address(this), s, r, e, address(0), 65_536);
    }

    // ------------------------------------------------------------------ requestVerification
    function test_requestVerification_EmitsJobRequestedAndStoresJob() public {
        vm.prevrandao(bytes32(uint256(42)));
        vm.prank(address(coordinator));
        address[] memory expected = staking.drawCommittee(keccak256(abi.encode(uint256(42), uint256(1))), 5);
        vm.expectEmit(true, true, true, true, address(coordinator));
        emit IPohCoordinator.JobRequested(
            1, requester, modelId, INPUT_HASH, INPUT_URI, FEE, expected, 3, 110, 120, address(0), 0
        );
        uint256 jobId = _request();
        assertEq(jobId, 1, "first id");
        assertEq(coordinator.jobCount(), 1, "count");

        IPohCoordinator.Job memory job = coordinator.getJob(jobId);
        assertEq(job.requester, requester, "requester");
        assertEq(job.modelId, modelId, "modelId");
        assertTrue(job.status == IPohCoordinator.JobStatus.Pending, "pending");
        assertEq(job.committeeSize, 5, "size");
        assertEq(job.quorum, 3, "quorum");
        assertEq(job.requestBlock, 100, "requestBlock");
        assertEq(job.commitDeadline, 110, "commitDeadline");
        assertEq(job.revealDeadline, 120, "revealDeadline");
        assertEq(job.fee, FEE, "fee");
        assertEq(job.inputHash, INPUT_HASH, "inputHash");
        for (uint256 i; i < 5; ++i) {
            assertEq(job.committee[i], expected[i], "committee");
            assertEq(coordinator.minerStats(expected[i]).openJobs, 1, "open job counted");
            (bool isMember, bool committed, bool revealed,) = coordinator.getMember(jobId, expected[i]);
            assertTrue(isMember && !committed && !revealed, "fresh member");
        }
        assertEq(coordinator.totalEscrowed(), FEE, "escrowed");
        assertEq(address(coordinator).balance, FEE, "balance");
        assertEq(_request(), 2, "second id");
    }

    function test_requestVerification_StoresCallback() public {
        address consumer = makeAddr("consumer");
        uint256 jobId = _requestWithCallback(consumer, 500_000);
        IPohCoordinator.Job memory job = coordinator.getJob(jobId);
        assertEq(job.callback, consumer, "callback");
        assertEq(job.callbackGasLimit, 500_000, "gas");
    }

    function test_requestVerification_AcceptsLongestURI() public {
        vm.prank(requester);
        uint256 jobId =
            coordinator.requestVerification{value: FEE}(modelId, INPUT_HASH, string(new bytes(2048)), address(0), 0);
        assertEq(jobId, 1, "accepted");
    }

    function test_requestVerification_RevertWhen_FeeTooLow() public {
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.FeeTooLow.selector, 1, 0.0001 ether));
        coordinator.requestVerification{value: 1}(modelId, INPUT_HASH, INPUT_URI, address(0), 0);
    }

    function test_requestVerification_RevertWhen_FeeTooHigh() public {
        uint256 fee = uint256(type(uint96).max) + 1;
        vm.deal(requester, fee);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(PohCoordinator.FeeTooHigh.selector, fee, type(uint96).max));
        coordinator.requestVerification{value: fee}(modelId, INPUT_HASH, INPUT_URI, address(0), 0);
    }

    function test_requestVerification_RevertWhen_ModelUnknown() public {
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.ModelNotActive.selector, uint32(99)));
        coordinator.requestVerification{value: FEE}(99, INPUT_HASH, INPUT_URI, address(0), 0);
    }

    function test_requestVerification_RevertWhen_ModelRetired() public {
        registry.retireModel(modelId);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.ModelNotActive.selector, modelId));
        coordinator.requestVerification{value: FEE}(modelId, INPUT_HASH, INPUT_URI, address(0), 0);
    }

    function test_requestVerification_RevertWhen_InputHashZero() public {
        vm.prank(requester);
        vm.expectRevert(IPohCoordinator.InvalidInput.selector);
        coordinator.requestVerification{value: FEE}(modelId, bytes32(0), INPUT_URI, address(0), 0);
    }

    function test_requestVerification_RevertWhen_InputURIEmpty() public {
        vm.prank(requester);
        vm.expectRevert(IPohCoordinator.InvalidInput.selector);
        coordinator.requestVerification{value: FEE}(modelId, INPUT_HASH, "", address(0), 0);
    }

    function test_requestVerification_RevertWhen_InputURITooLong() public {
        string memory uri = string(new bytes(2049));
        vm.prank(requester);
        vm.expectRevert(IPohCoordinator.InvalidInput.selector);
        coordinator.requestVerification{value: FEE}(modelId, INPUT_HASH, uri, address(0), 0);
    }

    function test_requestVerification_RevertWhen_CallbackGasAboveCap() public {
        address consumer = makeAddr("consumer");
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.CallbackGasTooHigh.selector, 500_001, 500_000));
        coordinator.requestVerification{value: FEE}(modelId, INPUT_HASH, INPUT_URI, consumer, 500_001);
    }

    function test_requestVerification_RevertWhen_CallbackGasWithoutCallback() public {
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.CallbackGasTooHigh.selector, 1, 0));
        coordinator.requestVerification{value: FEE}(modelId, INPUT_HASH, INPUT_URI, address(0), 1);
    }

    function test_requestVerification_RevertWhen_Paused() public {
        coordinator.pause();
        vm.prank(requester);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        coordinator.requestVerification{value: FEE}(modelId, INPUT_HASH, INPUT_URI, address(0), 0);
    }

    function test_requestVerification_RevertWhen_NotEnoughMiners() public {
        coordinator.setCommittee(9, 0);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPohStaking.NotEnoughMiners.selector, 8, 9));
        coordinator.requestVerification{value: FEE}(modelId, INPUT_HASH, INPUT_URI, address(0), 0);
    }

    // ------------------------------------------------------------------ requestVerificationBatch
    function _batchInputs(uint256 n) internal pure returns (bytes32[] memory hashes, string[] memory uris) {
        hashes = new bytes32[](n);
        uris = new string[](n);
        for (uint256 i; i < n; ++i) {
            hashes[i] = keccak256(abi.encode("telemetry", i));
            uris[i] = string.concat(INPUT_URI, "/", _str(i));
        }
    }

    function test_requestVerificationBatch_CreatesEveryJobWithItsOwnCommittee() public {
        _request(); // job 1 exists, so the batch starts at 2
        vm.prevrandao(bytes32(uint256(7)));
        (bytes32[] memory hashes, string[] memory uris) = _batchInputs(3);
        address consumer = makeAddr("consumer");
        for (uint256 i; i < 3; ++i) {
            vm.prank(address(coordinator));
            address[] memory expected = staking.drawCommittee(keccak256(abi.encode(uint256(7), 2 + i)), 5);
            vm.expectEmit(true, true, true, true, address(coordinator));
            emit IPohCoordinator.JobRequested(
                2 + i, requester, modelId, hashes[i], uris[i], FEE, expected, 3, 110, 120, consumer, 100_000
            );
        }
        vm.prank(requester);
        uint256 first =
            coordinator.requestVerificationBatch{value: 3 * FEE}(modelId, hashes, uris, consumer, 100_000);
        assertEq(first, 2, "first id");
        assertEq(coordinator.jobCount(), 4, "count");
        assertEq(coordinator.totalEscrowed(), 4 * FEE, "escrowed");
        assertEq(address(coordinator).balance, 4 * FEE, "balance");
        for (uint256 i; i < 3; ++i) {
            IPohCoordinator.Job memory job = coordinator.getJob(2 + i);
            assertEq(job.requester, requester, "requester");
            assertEq(job.fee, FEE, "fee");
            assertEq(job.inputHash, hashes[i], "inputHash");
            assertEq(job.callback, consumer, "callback");
            assertEq(job.callbackGasLimit, 100_000, "callback gas");
            assertTrue(job.status == IPohCoordinator.JobStatus.Pending, "pending");
        }
    }

    function test_requestVerificationBatch_JobsSettleIndependently() public {
        (bytes32[] memory hashes, string[] memory uris) = _batchInputs(2);
        vm.prank(requester);
        uint256 first = coordinator.requestVerificationBatch{value: 2 * FEE}(modelId, hashes, uris, address(0), 0);
        _play(first, _scores5(8000, 8100, 8200, 8300, 8400));
        assertTrue(coordinator.getJob(first).status == IPohCoordinator.JobStatus.Final, "first final");
        assertTrue(coordinator.getJob(first + 1).status == IPohCoordinator.JobStatus.Pending, "second pending");
        assertEq(coordinator.totalEscrowed(), FEE, "second still escrowed");
    }

    function test_requestVerificationBatch_RevertWhen_Empty() public {
        vm.prank(requester);
        vm.expectRevert(IPohCoordinator.LengthMismatch.selector);
        coordinator.requestVerificationBatch{value: FEE}(modelId, new bytes32[](0), new string[](0), address(0), 0);
    }

    function test_requestVerificationBatch_RevertWhen_LengthMismatch() public {
        (bytes32[] memory hashes,) = _batchInputs(2);
        (, string[] memory uris) = _batchInputs(3);
        vm.prank(requester);
        vm.expectRevert(IPohCoordinator.LengthMismatch.selector);
        coordinator.requestVerificationBatch{value: 2 * FEE}(modelId, hashes, uris, address(0), 0);
    }

    function test_requestVerificationBatch_RevertWhen_TooLarge() public {
        uint256 n = coordinator.MAX_REQUEST_BATCH() + 1;
        (bytes32[] memory hashes, string[] memory uris) = _batchInputs(n);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.BatchTooLarge.selector, n, n - 1));
        coordinator.requestVerificationBatch{value: n * FEE}(modelId, hashes, uris, address(0), 0);
    }

    function test_requestVerificationBatch_RevertWhen_FeeNotDivisible() public {
        (bytes32[] memory hashes, string[] memory uris) = _batchInputs(3);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.FeeNotDivisible.selector, 3 * FEE + 1, 3));
        coordinator.requestVerificationBatch{value: 3 * FEE + 1}(modelId, hashes, uris, address(0), 0);
    }

    function test_requestVerificationBatch_RevertWhen_FeePerJobTooLow() public {
        (bytes32[] memory hashes, string[] memory uris) = _batchInputs(2);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.FeeTooLow.selector, 0.00005 ether, 0.0001 ether));
        coordinator.requestVerificationBatch{value: 0.0001 ether}(modelId, hashes, uris, address(0), 0);
    }

    function test_requestVerificationBatch_RevertWhen_AnyInputInvalid() public {
        (bytes32[] memory hashes, string[] memory uris) = _batchInputs(3);
        hashes[2] = bytes32(0);
        vm.prank(requester);
        vm.expectRevert(IPohCoordinator.InvalidInput.selector);
        coordinator.requestVerificationBatch{value: 3 * FEE}(modelId, hashes, uris, address(0), 0);
        assertEq(coordinator.jobCount(), 0, "nothing created");
    }

    function test_requestVerificationBatch_RevertWhen_ModelNotActive() public {
        (bytes32[] memory hashes, string[] memory uris) = _batchInputs(1);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.ModelNotActive.selector, uint32(99)));
        coordinator.requestVerificationBatch{value: FEE}(99, hashes, uris, address(0), 0);
    }

    function test_requestVerificationBatch_RevertWhen_CallbackGasAboveCap() public {
        (bytes32[] memory hashes, string[] memory uris) = _batchInputs(1);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.CallbackGasTooHigh.selector, 500_001, 500_000));
        coordinator.requestVerificationBatch{value: FEE}(modelId, hashes, uris, makeAddr("c"), 500_001);
    }

    function test_requestVerificationBatch_RevertWhen_Paused() public {
        coordinator.pause();
        (bytes32[] memory hashes, string[] memory uris) = _batchInputs(1);
        vm.prank(requester);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        coordinator.requestVerificationBatch{value: FEE}(modelId, hashes, uris, address(0), 0);
    }

    // ------------------------------------------------------------------ commit
    function test_commit_EmitsCommittedAndRecords() public {
        uint256 jobId = _request();
        address m = _committee(jobId)[2];
        bytes32 c = _commitment(jobId, m, 7000);
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit IPohCoordinator.Committed(m, _ids1(jobId), _bytes1(c));
        vm.prank(m);
        coordinator.commit(jobId, c);
        (bool isMember, bool committed, bool revealed,) = coordinator.getMember(jobId, m);
        assertTrue(isMember && committed && !revealed, "committed");
        assertEq(coordinator.getJob(jobId).commitCount, 1, "count");
    }

    function test_commit_RevertWhen_UnknownJob() public {
        vm.prank(miners[0]);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.UnknownJob.selector, 7));
        coordinator.commit(7, keccak256("c"));
    }

    function test_commit_RevertWhen_DeadlinePassed() public {
        uint256 jobId = _request();
        address m = _committee(jobId)[0];
        vm.roll(111);
        vm.prank(m);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.CommitPhaseOver.selector, jobId));
        coordinator.commit(jobId, keccak256("c"));
    }

    function test_commit_AcceptedAtDeadline() public {
        uint256 jobId = _request();
        vm.roll(110);
        _commit(jobId, _committee(jobId)[0], 5000);
        assertEq(coordinator.getJob(jobId).commitCount, 1, "committed at the deadline block");
    }

    function test_commit_RevertWhen_JobEnded() public {
        uint256 jobId = _request();
        address m = _committee(jobId)[0];
        vm.roll(111);
        coordinator.expire(jobId);
        vm.prank(m);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.CommitPhaseOver.selector, jobId));
        coordinator.commit(jobId, keccak256("c"));
    }

    function test_commit_RevertWhen_EmptyCommitment() public {
        uint256 jobId = _request();
        address m = _committee(jobId)[0];
        vm.prank(m);
        vm.expectRevert(IPohCoordinator.EmptyCommitment.selector);
        coordinator.commit(jobId, bytes32(0));
    }

    function test_commit_RevertWhen_NotCommitteeMember() public {
        uint256 jobId = _request();
        address outsider = _outsider(jobId);
        vm.prank(outsider);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.NotCommitteeMember.selector, jobId, outsider));
        coordinator.commit(jobId, keccak256("c"));
    }

    function test_commit_RevertWhen_UnregisteredCaller() public {
        uint256 jobId = _request();
        address stranger = makeAddr("stranger");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.NotCommitteeMember.selector, jobId, stranger));
        coordinator.commit(jobId, keccak256("c"));
    }

    function test_commit_RevertWhen_AlreadyCommitted() public {
        uint256 jobId = _request();
        address m = _committee(jobId)[0];
        _commit(jobId, m, 5000);
        vm.prank(m);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.AlreadyCommitted.selector, jobId, m));
        coordinator.commit(jobId, keccak256("again"));
    }

    function test_commit_RevertWhen_EveryoneCommitted() public {
        uint256 jobId = _request();
        address[] memory c = _commitAll(jobId, 5000);
        vm.prank(c[0]);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.CommitPhaseOver.selector, jobId));
        coordinator.commit(jobId, keccak256("again"));
    }

    // ------------------------------------------------------------------ commitBatch
    function test_commitBatch_CommitsEveryJob() public {
        coordinator.setCommittee(8, 0);
        uint256 a = _request();
        uint256 b = _request();
        address m = miners[3];
        uint256[] memory ids = new uint256[](2);
        bytes32[] memory cs = new bytes32[](2);
        (ids[0], ids[1]) = (a, b);
        (cs[0], cs[1]) = (_commitment(a, m, 1), _commitment(b, m, 2));
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit IPohCoordinator.Committed(m, ids, cs);
        vm.prank(m);
        coordinator.commitBatch(ids, cs);
        (, bool ca,,) = coordinator.getMember(a, m);
        (, bool cb,,) = coordinator.getMember(b, m);
        assertTrue(ca && cb, "both committed");
    }

    function test_commitBatch_RevertWhen_Empty() public {
        vm.expectRevert(IPohCoordinator.LengthMismatch.selector);
        coordinator.commitBatch(new uint256[](0), new bytes32[](0));
    }

    function test_commitBatch_RevertWhen_LengthMismatch() public {
        vm.expectRevert(IPohCoordinator.LengthMismatch.selector);
        coordinator.commitBatch(new uint256[](2), new bytes32[](1));
    }

    function test_commitBatch_RevertWhen_AnyCommitFails() public {
        uint256 jobId = _request();
        address m = _committee(jobId)[0];
        uint256[] memory ids = new uint256[](2);
        bytes32[] memory cs = new bytes32[](2);
        (ids[0], ids[1]) = (jobId, 99);
        (cs[0], cs[1]) = (keccak256("a"), keccak256("b"));
        vm.prank(m);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.UnknownJob.selector, 99));
        coordinator.commitBatch(ids, cs);
    }

    // ------------------------------------------------------------------ reveal
    function test_reveal_EmitsRevealed() public {
        uint256 jobId = _request();
        address[] memory c = _commitAll(jobId, 6000);
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit IPohCoordinator.Revealed(c[1], _ids1(jobId), _scores1(6000));
        _reveal(jobId, c[1], 6000);
        (, bool committed, bool revealed, uint16 score) = coordinator.getMember(jobId, c[1]);
        assertTrue(committed && revealed, "revealed");
        assertEq(score, 6000, "score");
        assertEq(coordinator.getJob(jobId).revealCount, 1, "count");
    }

    function test_reveal_InvalidScoreIsRecorded() public {
        uint256 jobId = _request();
        address[] memory c = _commitAll(jobId, 65_535);
        _reveal(jobId, c[0], 65_535);
        (,, bool revealed, uint16 score) = coordinator.getMember(jobId, c[0]);
        assertTrue(revealed, "revealed");
        assertEq(score, 65_535, "invalid marker");
    }

    function test_reveal_MismatchEmitsAndAllowsRetry() public {
        uint256 jobId = _request();
        address[] memory c = _commitAll(jobId, 6000);
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit IPohCoordinator.RevealMismatched(jobId, c[0]);
        _reveal(jobId, c[0], 6001);
        (,, bool revealed,) = coordinator.getMember(jobId, c[0]);
        assertFalse(revealed, "a mismatch is no reveal");
        assertEq(coordinator.getJob(jobId).revealCount, 0, "not counted");
        _reveal(jobId, c[0], 6000);
        (,, revealed,) = coordinator.getMember(jobId, c[0]);
        assertTrue(revealed, "retry works");
    }

    function test_reveal_AfterCommitDeadlineWithMissingCommits() public {
        uint256 jobId = _request();
        address[] memory c = _committee(jobId);
        for (uint256 i; i < 4; ++i) _commit(jobId, c[i], 5000);
        vm.roll(111);
        _reveal(jobId, c[0], 5000);
        assertEq(coordinator.getJob(jobId).revealCount, 1, "revealed");
    }

    function test_reveal_RevertWhen_UnknownJob() public {
        vm.prank(miners[0]);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.UnknownJob.selector, 3));
        coordinator.reveal(3, 100, bytes32(0));
    }

    function test_reveal_RevertWhen_NotStarted() public {
        uint256 jobId = _request();
        address m = _committee(jobId)[0];
        _commit(jobId, m, 5000);
        bytes32 salt = _salt(jobId, m);
        vm.prank(m);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.RevealPhaseNotStarted.selector, jobId));
        coordinator.reveal(jobId, 5000, salt);
    }

    function test_reveal_RevertWhen_DeadlinePassed() public {
        uint256 jobId = _request();
        address[] memory c = _commitAll(jobId, 5000);
        vm.roll(121);
        bytes32 salt = _salt(jobId, c[0]);
        vm.prank(c[0]);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.RevealPhaseOver.selector, jobId));
        coordinator.reveal(jobId, 5000, salt);
    }

    function test_reveal_RevertWhen_JobEnded() public {
        uint256 jobId = _request();
        address[] memory c = _commitAll(jobId, 5000);
        for (uint256 i; i < 5; ++i) _reveal(jobId, c[i], 5000);
        bytes32 salt = _salt(jobId, c[0]);
        vm.prank(c[0]);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.RevealPhaseOver.selector, jobId));
        coordinator.reveal(jobId, 5000, salt);
    }

    function test_reveal_RevertWhen_InvalidScore() public {
        uint256 jobId = _request();
        address[] memory c = _commitAll(jobId, 5000);
        vm.prank(c[0]);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.InvalidScore.selector, uint16(10_001)));
        coordinator.reveal(jobId, 10_001, bytes32(0));
    }

    function test_reveal_RevertWhen_NotCommitteeMember() public {
        uint256 jobId = _request();
        _commitAll(jobId, 5000);
        address outsider = _outsider(jobId);
        vm.prank(outsider);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.NotCommitteeMember.selector, jobId, outsider));
        coordinator.reveal(jobId, 5000, bytes32(0));
    }

    function test_reveal_RevertWhen_NotCommitted() public {
        uint256 jobId = _request();
        address[] memory c = _committee(jobId);
        for (uint256 i = 1; i < 5; ++i) _commit(jobId, c[i], 5000);
        vm.roll(111);
        vm.prank(c[0]);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.NotCommitted.selector, jobId, c[0]));
        coordinator.reveal(jobId, 5000, bytes32(0));
    }

    function test_reveal_RevertWhen_AlreadyRevealed() public {
        uint256 jobId = _request();
        address[] memory c = _commitAll(jobId, 5000);
        _reveal(jobId, c[0], 5000);
        bytes32 salt = _salt(jobId, c[0]);
        vm.prank(c[0]);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.AlreadyRevealed.selector, jobId, c[0]));
        coordinator.reveal(jobId, 5000, salt);
    }

    // ------------------------------------------------------------------ revealBatch
    function test_revealBatch_OneRevealedEventThenSettlementsThenOneWorkRecord() public {
        coordinator.setCommittee(8, 0);
        uint256 a = _request();
        uint256 b = _request();
        _commitAll(a, 7000);
        _commitAll(b, 7000);
        for (uint256 i; i < 7; ++i) {
            _reveal(a, miners[i], 7000);
            _reveal(b, miners[i], 7000);
        }
        address m = miners[7];
        uint256[] memory ids = new uint256[](2);
        uint16[] memory scores = new uint16[](2);
        bytes32[] memory salts = new bytes32[](2);
        (ids[0], ids[1]) = (a, b);
        (scores[0], scores[1]) = (7000, 7000);
        (salts[0], salts[1]) = (_salt(a, m), _salt(b, m));
        vm.recordLogs();
        vm.prank(m);
        coordinator.revealBatch(ids, scores, salts);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        // Revealed (both jobs), JobFinalized a, JobFinalized b, then one WorkRecorded.
        uint256 revealedAt = type(uint256).max;
        uint256 finalized;
        uint256 workRecords;
        for (uint256 i; i < logs.length; ++i) {
            bytes32 sig = logs[i].topics[0];
            if (sig == IPohCoordinator.Revealed.selector) {
                revealedAt = i;
                (uint256[] memory rIds, uint16[] memory rScores) = abi.decode(logs[i].data, (uint256[], uint16[]));
                assertEq(rIds.length, 2, "both reveals in one event");
                assertEq(rIds[1], b, "in call order");
                assertEq(rScores[0], 7000, "score");
            } else if (sig == IPohCoordinator.JobFinalized.selector) {
                assertLt(revealedAt, i, "reveals are announced before settlement");
                ++finalized;
            } else if (sig == IPohEmission.WorkRecorded.selector) {
                assertEq(finalized, 2, "work is recorded after every settlement");
                ++workRecords;
                (uint256 jobs, address[] memory who, uint256[] memory pts) =
                    abi.decode(logs[i].data, (uint256, address[], uint256[]));
                assertEq(jobs, 2, "two final jobs");
                assertEq(who.length, 8, "each miner once");
                // Each miner agreed on both jobs: 12,000 points after its first agreed job
                // (1 + 0.2 x log2(2)), 13,000 after its second (log2(3) ~ 1 + 1/2 piecewise).
                assertEq(pts[0], emission.minerPoints(who[0], emission.currentEpoch()), "summed per miner");
                assertEq(pts[0], 12_000 + 13_000, "points of both jobs");
            }
        }
        assertEq(finalized, 2, "both settled");
        assertEq(workRecords, 1, "one call to the emission contract");
    }

    function test_revealBatch_NoRevealedEventWhenNothingMatched() public {
        uint256 jobId = _request();
        address[] memory c = _commitAll(jobId, 5000);
        uint256[] memory ids = _ids1(jobId);
        uint16[] memory scores = _scores1(5001);
        bytes32[] memory salts = new bytes32[](1);
        salts[0] = _salt(jobId, c[0]);
        vm.recordLogs();
        vm.prank(c[0]);
        coordinator.revealBatch(ids, scores, salts);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "only RevealMismatched");
        assertEq(logs[0].topics[0], IPohCoordinator.RevealMismatched.selector, "mismatch");
    }

    function test_revealBatch_RevealsAndSettlesEveryJob() public {
        coordinator.setCommittee(8, 0);
        uint256 a = _request();
        uint256 b = _request();
        _commitAll(a, 4000);
        _commitAll(b, 9000);
        for (uint256 i; i < 7; ++i) {
            _reveal(a, miners[i], 4000);
            _reveal(b, miners[i], 9000);
        }
        address m = miners[7];
        uint256[] memory ids = new uint256[](2);
        uint16[] memory scores = new uint16[](2);
        bytes32[] memory salts = new bytes32[](2);
        (ids[0], ids[1]) = (a, b);
        (scores[0], scores[1]) = (4000, 9000);
        (salts[0], salts[1]) = (_salt(a, m), _salt(b, m));
        vm.prank(m);
        coordinator.revealBatch(ids, scores, salts);
        assertTrue(coordinator.getJob(a).status == IPohCoordinator.JobStatus.Final, "a final");
        assertTrue(coordinator.getJob(b).status == IPohCoordinator.JobStatus.Final, "b final");
        assertFalse(coordinator.getJob(a).verdict, "a bot");
        assertTrue(coordinator.getJob(b).verdict, "b human");
        assertEq(coordinator.minerStats(m).agreed, 2, "both paid");
    }

    function test_revealBatch_SameMinerOnManyJobs() public {
        coordinator.setCommittee(8, 0);
        uint256 a = _request();
        uint256 b = _request();
        address m = miners[0];
        _commit(a, m, 4000);
        _commit(b, m, 9000);
        vm.roll(111);
        uint256[] memory ids = new uint256[](2);
        uint16[] memory scores = new uint16[](2);
        bytes32[] memory salts = new bytes32[](2);
        (ids[0], ids[1]) = (a, b);
        (scores[0], scores[1]) = (4000, 9001);
        (salts[0], salts[1]) = (_salt(a, m), _salt(b, m));
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit IPohCoordinator.RevealMismatched(b, m);
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit IPohCoordinator.Revealed(m, _ids1(a), _scores1(4000));
        vm.prank(m);
        coordinator.revealBatch(ids, scores, salts);
        // A single reveal is all that was committed: the job settles, and fails for lack of quorum.
        IPohCoordinator.Job memory job = coordinator.getJob(a);
        assertTrue(job.status == IPohCoordinator.JobStatus.Failed, "settled");
        assertTrue(job.failure == IPohCoordinator.FailureReason.Expired, "below quorum");
        assertTrue(coordinator.getJob(b).status == IPohCoordinator.JobStatus.Pending, "b still open");
    }

    function test_revealBatch_RevertWhen_Empty() public {
        vm.expectRevert(IPohCoordinator.LengthMismatch.selector);
        coordinator.revealBatch(new uint256[](0), new uint16[](0), new bytes32[](0));
    }

    function test_revealBatch_RevertWhen_ScoresLengthMismatch() public {
        vm.expectRevert(IPohCoordinator.LengthMismatch.selector);
        coordinator.revealBatch(new uint256[](2), new uint16[](1), new bytes32[](2));
    }

    function test_revealBatch_RevertWhen_SaltsLengthMismatch() public {
        vm.expectRevert(IPohCoordinator.LengthMismatch.selector);
        coordinator.revealBatch(new uint256[](2), new uint16[](2), new bytes32[](3));
    }

    // ------------------------------------------------------------------ settlement
    function test_settle_ProposerIsFirstAgreeingRevealer() public {
        uint256 jobId = _request();
        address[] memory c = _committee(jobId);
        for (uint256 i; i < 5; ++i) _commit(jobId, c[i], i == 0 ? 100 : 8000);
        // The outlier reveals first, so the proposer is the second revealer.
        for (uint256 i; i < 4; ++i) _reveal(jobId, c[i], i == 0 ? 100 : 8000);
        _expectFinalized(jobId, 8000, c[1], 4, _settled(c, _outcomes5("OAAAA")));
        _reveal(jobId, c[4], 8000);
        uint256 net = FEE - FEE * 500 / 10_000;
        uint256 bonus = net * 1000 / 10_000;
        uint256 share = (net - bonus) / 4;
        assertEq(coordinator.claimable(c[1]), share + bonus + (net - bonus - 4 * share), "proposer");
        assertEq(coordinator.claimable(c[2]), share, "member");
    }

    function test_settle_ProposerFollowsRevealOrderNotSeatOrder() public {
        uint256 jobId = _request();
        address[] memory c = _commitAll(jobId, 6000);
        // Reveal in the order 3, 0, 4, 1, 2: member 3 is the proposer.
        _reveal(jobId, c[3], 6000);
        _reveal(jobId, c[0], 6000);
        _reveal(jobId, c[4], 6000);
        _reveal(jobId, c[1], 6000);
        _expectFinalized(jobId, 6000, c[3], 5, _settled(c, _outcomes5("AAAAA")));
        _reveal(jobId, c[2], 6000);
        assertGt(coordinator.claimable(c[3]), coordinator.claimable(c[0]), "the proposer earns the bonus");
    }

    function test_settle_RecordsWorkPointsInEmission() public {
        uint256 jobId = _request();
        address[] memory c = _commitAll(jobId, 5000);
        for (uint256 i; i < 4; ++i) _reveal(jobId, c[i], 5000);
        uint256[] memory pts = new uint256[](5);
        for (uint256 i; i < 5; ++i) pts[i] = 12_000;
        vm.expectEmit(true, true, false, true, address(emission));
        emit IPohEmission.WorkRecorded(emission.currentEpoch(), 1, c, pts);
        _reveal(jobId, c[4], 5000);
    }

    function test_settle_JobFinalizedCarriesEveryMember() public {
        uint256 jobId = _request();
        address[] memory c = _committee(jobId);
        (address last, uint16 score) = _prepare(jobId, _scores5(NO_COMMIT, 4000, 4000, 4000, 9000));
        _expectFinalized(jobId, 4000, c[1], 3, _settled(c, _outcomes5("CAAAO")));
        _reveal(jobId, last, score);
        uint256 net = FEE - FEE * 500 / 10_000;
        uint256 bonus = net * 1000 / 10_000;
        uint256 share = (net - bonus) / 3;
        assertEq(coordinator.claimable(c[1]), share + bonus + (net - bonus - 3 * share), "the proposer's reward");
        assertEq(coordinator.claimable(c[2]), share, "a member's reward");
        assertEq(coordinator.claimable(c[4]), 0, "no reward for the outlier");
    }

    function test_settle_TrustInEventReflectsHistory() public {
        coordinator.setCommittee(8, 0);
        uint256 jobId;
        address[] memory c;
        for (uint256 j; j < 3; ++j) {
            jobId = _request();
            c = _commitAll(jobId, 5000);
            for (uint256 i; i + 1 < c.length; ++i) _reveal(jobId, c[i], 5000);
            if (j < 2) _reveal(jobId, c[c.length - 1], 5000);
        }
        uint256[] memory members = new uint256[](8);
        for (uint256 i; i < 8; ++i) members[i] = _packed(c[i], IPohCoordinator.MemberOutcome.Agreed, 14_000);
        _expectFinalized(jobId, 5000, c[0], 8, members);
        _reveal(jobId, c[7], 5000);
    }

    function test_settle_UnscoredOnFailedJob() public {
        uint256 jobId = _request();
        address[] memory c = _committee(jobId);
        (address last, uint16 score) = _prepare(jobId, _scores5(1000, 3000, 5000, 7000, 9000));
        vm.expectEmit(true, false, false, true, address(coordinator));
        emit IPohCoordinator.JobFailed(
            jobId, IPohCoordinator.FailureReason.NoAgreement, FEE, _settled(c, _outcomes5("UUUUU"))
        );
        _reveal(jobId, last, score);
        assertEq(coordinator.minerStats(c[0]).served, 1, "served");
        assertEq(coordinator.minerStats(c[0]).agreed, 0, "not agreed");
    }

    function test_settle_ZeroPenaltiesCountFaultsWithoutSlashing() public {
        coordinator.setPenalties(0, 0);
        uint256 jobId = _request();
        address[] memory c = _committee(jobId);
        _play(jobId, _scores5(NO_COMMIT, 5000, 5000, 5000, 100));
        assertEq(_totalStake(c[0]), STAKE, "no liveness slash");
        assertEq(_totalStake(c[4]), STAKE, "no outlier slash");
        assertEq(coordinator.minerStats(c[0]).livenessFaults, 1, "fault counted");
        assertEq(coordinator.trustMultiplierBps(c[4]), 10_000, "cut to the floor");
    }

    function test_settle_TrustMultiplierGrowsWithAgreedJobs() public {
        coordinator.setCommittee(8, 0);
        for (uint256 j; j < 3; ++j) {
            uint256 jobId = _request();
            address[] memory c = _commitAll(jobId, 5000);
            for (uint256 i; i < c.length; ++i) _reveal(jobId, c[i], 5000);
        }
        assertEq(coordinator.minerStats(miners[0]).agreed, 3, "agreed 3");
        assertEq(coordinator.trustMultiplierBps(miners[0]), 14_000, "1 + 0.2 x log2(4)");
    }

    // ------------------------------------------------------------------ finalize
    function test_finalize_AfterDeadlineWithQuorum() public {
        uint256 jobId = _request();
        address[] memory c = _commitAll(jobId, 5000);
        for (uint256 i; i < 3; ++i) _reveal(jobId, c[i], 5000);
        vm.roll(121);
        _expectFinalized(jobId, 5000, c[0], 3, _settled(c, _outcomes5("AAARR")));
        coordinator.finalize(jobId);
        IPohCoordinator.Job memory job = coordinator.getJob(jobId);
        assertTrue(job.status == IPohCoordinator.JobStatus.Final, "final");
        assertEq(job.finalBlock, 121, "final block");
        assertEq(coordinator.minerStats(c[4]).livenessFaults, 1, "the two silent revealers faulted");
    }

    function test_finalize_RevertWhen_UnknownJob() public {
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.UnknownJob.selector, 5));
        coordinator.finalize(5);
    }

    function test_finalize_RevertWhen_RevealPhaseOpen() public {
        uint256 jobId = _request();
        address[] memory c = _commitAll(jobId, 5000);
        for (uint256 i; i < 3; ++i) _reveal(jobId, c[i], 5000);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.NotFinalizable.selector, jobId));
        coordinator.finalize(jobId);
    }

    function test_finalize_RevertWhen_BelowQuorum() public {
        uint256 jobId = _request();
        address[] memory c = _commitAll(jobId, 5000);
        _reveal(jobId, c[0], 5000);
        vm.roll(121);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.NotFinalizable.selector, jobId));
        coordinator.finalize(jobId);
    }

    function test_finalize_RevertWhen_AlreadyEnded() public {
        uint256 jobId = _request();
        vm.roll(111);
        coordinator.expire(jobId);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.JobAlreadyEnded.selector, jobId));
        coordinator.finalize(jobId);
    }

    function test_finalize_RevertWhen_TooLittleGasForCallback() public {
        GasBurningConsumer consumer = new GasBurningConsumer();
        uint256 jobId = _requestWithCallback(address(consumer), 500_000);
        address[] memory c = _commitAll(jobId, 5000);
        for (uint256 i; i < 3; ++i) _reveal(jobId, c[i], 5000);
        vm.roll(121);
        uint256 snap = vm.snapshotState();
        vmx.expectPartialRevert(PohCoordinator.InsufficientGasForCallback.selector);
        coordinator.finalize{gas: 700_000}(jobId);
        vm.revertToState(snap);
        coordinator.finalize{gas: 1_500_000}(jobId);
        assertTrue(coordinator.getJob(jobId).status == IPohCoordinator.JobStatus.Final, "final with enough gas");
    }

    // ------------------------------------------------------------------ expire
    function test_expire_AfterRevealDeadlineBelowQuorum() public {
        uint256 jobId = _request();
        address[] memory c = _commitAll(jobId, 5000);
        _reveal(jobId, c[0], 5000);
        _reveal(jobId, c[1], 5000);
        vm.roll(121);
        vm.expectEmit(true, false, false, true, address(coordinator));
        emit IPohCoordinator.JobFailed(
            jobId, IPohCoordinator.FailureReason.Expired, FEE, _settled(c, _outcomes5("UURRR"))
        );
        coordinator.expire(jobId);
        assertEq(coordinator.claimable(requester), FEE, "refund");
        assertEq(coordinator.totalEscrowed(), 0, "escrow released");
        assertEq(coordinator.totalClaimable(), FEE, "credited");
        assertEq(coordinator.minerStats(c[0]).openJobs, 0, "no open jobs");
    }

    function test_expire_FailsFastWhenCommitsBelowQuorum() public {
        uint256 jobId = _request();
        address[] memory c = _committee(jobId);
        _commit(jobId, c[0], 5000);
        _commit(jobId, c[1], 5000);
        vm.roll(111);
        coordinator.expire(jobId);
        assertTrue(coordinator.getJob(jobId).status == IPohCoordinator.JobStatus.Failed, "failed early");
        assertEq(coordinator.minerStats(c[0]).livenessFaults, 1, "committed but never revealed");
        assertEq(coordinator.minerStats(c[4]).livenessFaults, 1, "never committed");
    }

    function test_expire_RevertWhen_UnknownJob() public {
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.UnknownJob.selector, 5));
        coordinator.expire(5);
    }

    function test_expire_RevertWhen_BeforeDeadline() public {
        uint256 jobId = _request();
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.NotExpirable.selector, jobId));
        coordinator.expire(jobId);
    }

    function test_expire_RevertWhen_QuorumRevealed() public {
        uint256 jobId = _request();
        address[] memory c = _commitAll(jobId, 5000);
        for (uint256 i; i < 3; ++i) _reveal(jobId, c[i], 5000);
        vm.roll(121);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.NotExpirable.selector, jobId));
        coordinator.expire(jobId);
    }

    function test_expire_RevertWhen_AlreadyEnded() public {
        uint256 jobId = _request();
        vm.roll(111);
        coordinator.expire(jobId);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.JobAlreadyEnded.selector, jobId));
        coordinator.expire(jobId);
    }

    // ------------------------------------------------------------------ withdraw
    function test_withdraw_SendsCreditAndEmits() public {
        uint256 jobId = _request();
        vm.roll(111);
        coordinator.expire(jobId);
        uint256 before = requester.balance;
        vm.expectEmit(true, false, false, true, address(coordinator));
        emit IPohCoordinator.Withdrawn(requester, FEE);
        vm.prank(requester);
        coordinator.withdraw();
        assertEq(requester.balance - before, FEE, "paid");
        assertEq(coordinator.claimable(requester), 0, "cleared");
        assertEq(coordinator.totalClaimable(), 0, "total cleared");
    }

    function test_withdraw_RevertWhen_NothingToWithdraw() public {
        vm.prank(requester);
        vm.expectRevert(IPohCoordinator.NothingToWithdraw.selector);
        coordinator.withdraw();
    }

    function test_withdraw_RevertWhen_TransferFails() public {
        RefusingRequester r = new RefusingRequester();
        vm.deal(address(this), FEE);
        uint256 jobId = r.request{value: FEE}(coordinator, modelId);
        vm.roll(111);
        coordinator.expire(jobId);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.TransferFailed.selector, address(r), FEE));
        r.pull(coordinator);
        assertEq(coordinator.claimable(address(r)), FEE, "credit kept");
    }

    // ------------------------------------------------------------------ views
    function test_getJob_RevertWhen_UnknownJob() public {
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.UnknownJob.selector, 1));
        coordinator.getJob(1);
    }

    function test_getMember_NonMemberAndUnknownJob() public {
        uint256 jobId = _request();
        (bool isMember,,,) = coordinator.getMember(jobId, _outsider(jobId));
        assertFalse(isMember, "outsider");
        (isMember,,,) = coordinator.getMember(99, miners[0]);
        assertFalse(isMember, "unknown job");
        (isMember,,,) = coordinator.getMember(jobId, makeAddr("stranger"));
        assertFalse(isMember, "never drawn");
    }

    function test_lockedStake_UsesLargerPenaltyAndCapsAtStake() public {
        coordinator.setCommittee(8, 0);
        _request();
        _request();
        assertEq(coordinator.lockedStake(miners[0]), STAKE * 2 * 300 / 10_000, "two jobs x 3%");
        coordinator.setPenalties(2000, 100);
        assertEq(coordinator.lockedStake(miners[0]), STAKE * 2 * 2000 / 10_000, "liveness is larger now");
        for (uint256 i; i < 4; ++i) _request();
        assertEq(coordinator.lockedStake(miners[0]), STAKE, "capped at the stake");
        assertEq(coordinator.lockedStake(makeAddr("stranger")), 0, "no open jobs");
    }

    function test_minerStats_PackedInOneSlot() public {
        uint256 jobId = _request();
        address m = _committee(jobId)[0];
        IPohCoordinator.MinerStats memory s = coordinator.minerStats(m);
        assertEq(s.openJobs, 1, "open");
        assertEq(s.served + s.agreed + s.livenessFaults + s.outlierFaults, 0, "nothing ended");
    }

    function _ids1(uint256 jobId) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](1);
        ids[0] = jobId;
    }

    function _bytes1(bytes32 value) internal pure returns (bytes32[] memory values) {
        values = new bytes32[](1);
        values[0] = value;
    }

    function _scores1(uint16 score) internal pure returns (uint16[] memory scores) {
        scores = new uint16[](1);
        scores[0] = score;
    }
}

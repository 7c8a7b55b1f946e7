// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {vm} from "./utils/Vm.sol";
import {CoordinatorFixture, vmx} from "./CoordinatorFixture.t.sol";
import {PohCoordinator} from "../../contracts/PohCoordinator.sol";
import {IPohCoordinator} from "../../contracts/interfaces/IPohCoordinator.sol";
import {IPohStaking} from "../../contracts/interfaces/IPohStaking.sol";
import {RecordingConsumer} from "../../contracts/test/RecordingConsumer.sol";
import {RevertingConsumer} from "../../contracts/test/RevertingConsumer.sol";
import {GasBurningConsumer} from "../../contracts/test/GasBurningConsumer.sol";

/// @dev End-to-end job stories on the real token, staking, registry and emission contracts.
contract ScenariosTest is CoordinatorFixture {
    function setUp() public {
        _deploy(8);
    }

    /// A 5-member committee with one silent member and one outlier finalises, pays the three
    /// agreeing members and slashes the other two.
    function test_scenario_SilentAndOutlier_FinalisesPaysThreeSlashesTwo() public {
        uint256 jobId = _request();
        address[] memory c = _committee(jobId);
        assertEq(c.length, 5, "committee size");
        uint256[] memory before = new uint256[](5);
        for (uint256 i; i < 5; ++i) before[i] = _totalStake(c[i]);
        uint256 treasuryTokens = token.balanceOf(treasury);

        // Member 0 stays silent; member 3 is an outlier; the others agree around 9000.
        (address last, uint16 score) = _prepare(jobId, _scores5(NO_COMMIT, 9000, 9100, 2000, 8950));
        _expectFinalized(jobId, 8950, c[1], 3, _settled(c, _outcomes5("CAAOA")));
        _reveal(jobId, last, score);

        IPohCoordinator.Job memory job = coordinator.getJob(jobId);
        assertTrue(job.status == IPohCoordinator.JobStatus.Final, "final");
        assertEq(job.result, 8950, "lower median of 2000, 8950, 9000, 9100");
        assertTrue(job.verdict, "human");
        assertEq(job.commitCount, 4, "commits");
        assertEq(job.revealCount, 4, "reveals");

        // Pay three: fee 0.01 ether, 5% protocol fee, 10% of net to the proposer (first agreeing revealer).
        uint256 protocolFee = FEE * 500 / 10_000;
        uint256 net = FEE - protocolFee;
        uint256 bonus = net * 1000 / 10_000;
        uint256 share = (net - bonus) / 3;
        uint256 dust = net - bonus - 3 * share;
        assertEq(coordinator.claimable(c[1]), share + bonus + dust, "proposer");
        assertEq(coordinator.claimable(c[2]), share, "agreeing 2");
        assertEq(coordinator.claimable(c[4]), share, "agreeing 4");
        assertEq(coordinator.claimable(c[0]), 0, "silent unpaid");
        assertEq(coordinator.claimable(c[3]), 0, "outlier unpaid");
        assertEq(coordinator.claimable(treasury), protocolFee, "protocol fee");
        assertEq(
            coordinator.claimable(c[1]) + 2 * share + protocolFee, FEE, "the fee is distributed exactly"
        );

        // Slash two: liveness 1% of the silent member, outlier 3% of the outlier.
        assertEq(_totalStake(c[0]), before[0] - before[0] * 100 / 10_000, "silent slashed 1%");
        assertEq(_totalStake(c[3]), before[3] - before[3] * 300 / 10_000, "outlier slashed 3%");
        assertEq(_totalStake(c[1]), before[1], "agreeing not slashed");
        uint256 a0 = before[0] * 100 / 10_000;
        uint256 a3 = before[3] * 300 / 10_000;
        assertEq(token.balanceOf(treasury) - treasuryTokens, (a0 - a0 / 2) + (a3 - a3 / 2), "half of each slash to the treasury");

        // Reputation and work points.
        IPohCoordinator.MinerStats memory s0 = coordinator.minerStats(c[0]);
        assertEq(s0.livenessFaults, 1, "silent fault");
        assertEq(s0.served, 1, "silent served");
        assertEq(s0.openJobs, 0, "silent open");
        assertEq(coordinator.minerStats(c[3]).outlierFaults, 1, "outlier fault");
        assertEq(coordinator.minerStats(c[2]).agreed, 1, "agreed");
        assertEq(coordinator.trustMultiplierBps(c[2]), 12_000, "trust after one agreed job");
        uint256 epoch = emission.currentEpoch();
        assertEq(emission.minerPoints(c[2], epoch), 12_000, "work points = trust multiplier");
        assertEq(emission.minerPoints(c[3], epoch), 0, "no points for the outlier");
        assertEq(emission.epochPoints(epoch), 36_000, "three members' points");
        assertEq(address(coordinator).balance, coordinator.totalEscrowed() + coordinator.totalClaimable(), "solvent");
    }

    /// A job with only two reveals (quorum 3) fails and refunds the requester in full.
    function test_scenario_TwoReveals_FailsAndRefunds() public {
        uint256 jobId = _request();
        address[] memory c = _committee(jobId);
        _play(jobId, _scores5(9000, 9000, NO_REVEAL, NO_REVEAL, NO_COMMIT));
        IPohCoordinator.Job memory job = coordinator.getJob(jobId);
        assertTrue(job.status == IPohCoordinator.JobStatus.Pending, "still pending before the deadline");

        vm.roll(job.revealDeadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IPohCoordinator.NotFinalizable.selector, jobId));
        coordinator.finalize(jobId);
        vm.expectEmit(true, false, false, true, address(coordinator));
        emit IPohCoordinator.JobFailed(jobId, IPohCoordinator.FailureReason.Expired, FEE, _settled(c, _outcomes5("UURRC")));
        coordinator.expire(jobId);

        job = coordinator.getJob(jobId);
        assertTrue(job.status == IPohCoordinator.JobStatus.Failed, "failed");
        assertTrue(job.failure == IPohCoordinator.FailureReason.Expired, "expired");
        assertEq(coordinator.claimable(requester), FEE, "full refund");
        assertEq(coordinator.claimable(c[0]), 0, "revealers unpaid");
        assertEq(coordinator.minerStats(c[2]).livenessFaults, 1, "no-reveal fault");
        assertEq(coordinator.minerStats(c[4]).livenessFaults, 1, "no-commit fault");
        assertEq(coordinator.minerStats(c[0]).livenessFaults, 0, "revealer not faulted");
        assertEq(_totalStake(c[0]), STAKE, "revealer not slashed");
        assertEq(_totalStake(c[2]), STAKE - STAKE / 100, "no-reveal slashed");

        uint256 balance = requester.balance;
        vm.prank(requester);
        coordinator.withdraw();
        assertEq(requester.balance - balance, FEE, "refund withdrawn");
        assertEq(address(coordinator).balance, 0, "nothing left");
    }

    /// A consumer whose callback reverts does not block finalisation.
    function test_scenario_RevertingCallback_DoesNotBlockFinalisation() public {
        RevertingConsumer consumer = new RevertingConsumer(false);
        uint256 jobId = _requestWithCallback(address(consumer), 100_000);
        (address last, uint16 score) = _prepare(jobId, _scores5(3000, 3000, 3100, 2900, 3050));
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit IPohCoordinator.CallbackFailed(
            jobId, address(consumer), abi.encodeWithSelector(RevertingConsumer.Refused.selector, jobId)
        );
        _reveal(jobId, last, score);
        IPohCoordinator.Job memory job = coordinator.getJob(jobId);
        assertTrue(job.status == IPohCoordinator.JobStatus.Final, "final despite the revert");
        assertEq(job.result, 3000, "median");
        assertFalse(job.verdict, "bot");
    }

    /// A consumer that reverts with a huge reason costs the finaliser at most 256 bytes of it.
    function test_scenario_ReturnBombCallback_ReasonIsCut() public {
        RevertingConsumer consumer = new RevertingConsumer(true);
        uint256 jobId = _requestWithCallback(address(consumer), 100_000);
        (address last, uint16 score) = _prepare(jobId, _scores5(3000, 3000, 3100, 2900, 3050));
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit IPohCoordinator.CallbackFailed(jobId, address(consumer), new bytes(256));
        _reveal(jobId, last, score);
        assertTrue(coordinator.getJob(jobId).status == IPohCoordinator.JobStatus.Final, "final");
    }

    /// A consumer that burns all its gas does not block finalisation either.
    function test_scenario_OutOfGasCallback_DoesNotBlockFinalisation() public {
        GasBurningConsumer consumer = new GasBurningConsumer();
        uint256 jobId = _requestWithCallback(address(consumer), 300_000);
        (address last, uint16 score) = _prepare(jobId, _scores5(7000, 7000, 7000, 7000, 7000));
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit IPohCoordinator.CallbackFailed(jobId, address(consumer), "");
        _reveal(jobId, last, score);
        assertTrue(coordinator.getJob(jobId).status == IPohCoordinator.JobStatus.Final, "final");
    }

    /// The last reveal refuses to run if it cannot give the consumer its promised gas.
    function test_scenario_LastReveal_RevertWhen_TooLittleGasForCallback() public {
        GasBurningConsumer consumer = new GasBurningConsumer();
        uint256 jobId = _requestWithCallback(address(consumer), 500_000);
        address[] memory c = _committee(jobId);
        for (uint256 i; i < 5; ++i) _commit(jobId, c[i], 7000);
        for (uint256 i; i < 4; ++i) _reveal(jobId, c[i], 7000);
        bytes32 salt = _salt(jobId, c[4]);
        vm.prank(c[4]);
        vmx.expectPartialRevert(PohCoordinator.InsufficientGasForCallback.selector);
        coordinator.reveal{gas: 400_000}(jobId, 7000, salt);
        // With enough gas the same reveal settles the job and reports the failed callback.
        vm.prank(c[4]);
        coordinator.reveal{gas: 2_000_000}(jobId, 7000, salt);
        assertTrue(coordinator.getJob(jobId).status == IPohCoordinator.JobStatus.Final, "final");
    }

    /// A well-behaved consumer receives the verdict once, from the coordinator.
    function test_scenario_Callback_Delivered() public {
        RecordingConsumer consumer = new RecordingConsumer();
        uint256 jobId = _requestWithCallback(address(consumer), 100_000);
        (address last, uint16 score) = _prepare(jobId, _scores5(8000, 8200, 7900, 8100, 8050));
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit IPohCoordinator.CallbackDelivered(jobId, address(consumer));
        _reveal(jobId, last, score);
        assertEq(consumer.calls(), 1, "one call");
        assertEq(consumer.lastJobId(), jobId, "job id");
        assertEq(consumer.lastScoreBps(), 8050, "median");
        assertTrue(consumer.lastIsHuman(), "verdict");
        assertEq(consumer.lastCaller(), address(coordinator), "from the coordinator");
    }

    /// A quorum of "input invalid" reveals fails the job and refunds without outlier slashes.
    function test_scenario_InputInvalid_RefundsWithoutOutlierSlashes() public {
        uint256 jobId = _request();
        address[] memory c = _committee(jobId);
        _play(jobId, _scores5(65_535, 65_535, 65_535, 4000, 9000));
        IPohCoordinator.Job memory job = coordinator.getJob(jobId);
        assertTrue(job.failure == IPohCoordinator.FailureReason.InputInvalid, "input invalid");
        assertEq(coordinator.claimable(requester), FEE, "refund");
        for (uint256 i; i < 5; ++i) assertEq(_totalStake(c[i]), STAKE, "nobody slashed");
    }

    /// Enough reveals but no quorum around the median: the job fails with NoAgreement.
    function test_scenario_NoAgreement_Refunds() public {
        uint256 jobId = _request();
        address[] memory c = _committee(jobId);
        _play(jobId, _scores5(1000, 3000, 5000, 7000, 9000));
        IPohCoordinator.Job memory job = coordinator.getJob(jobId);
        assertTrue(job.failure == IPohCoordinator.FailureReason.NoAgreement, "no agreement");
        assertEq(coordinator.claimable(requester), FEE, "refund");
        assertEq(_totalStake(c[0]), STAKE, "no outlier slash on a failed job");
        assertEq(coordinator.minerStats(c[0]).outlierFaults, 0, "no outlier fault");
    }

    /// An outlier's slash and the liveness slashes go through the real staking contract.
    function test_scenario_SlashedEvents_FromStaking() public {
        uint256 jobId = _request();
        address[] memory c = _committee(jobId);
        uint256 amount = STAKE * 300 / 10_000;
        (address last, uint16 score) = _prepare(jobId, _scores5(5000, 5100, 5200, 4900, 0));
        vm.expectEmit(true, true, false, true, address(staking));
        emit IPohStaking.Slashed(c[4], jobId, IPohStaking.SlashReason.Outlier, amount, amount - amount / 2, amount / 2);
        _reveal(jobId, last, score);
        assertEq(coordinator.minerStats(c[4]).outlierFaults, 1, "outlier");
    }

    /// lockedStake covers what open jobs could slash and drops when they end.
    function test_scenario_LockedStake_FollowsOpenJobs() public {
        uint256 jobId = _request();
        address m = _committee(jobId)[0];
        assertEq(coordinator.lockedStake(m), STAKE * 300 / 10_000, "one open job locks the outlier penalty");
        _play(jobId, _scores5(5000, 5000, 5000, 5000, 5000));
        assertEq(coordinator.lockedStake(m), 0, "nothing open");
        assertEq(staking.stakeOf(m).locked, 0, "staking sees the same");
    }
}

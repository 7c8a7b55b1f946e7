// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {vm} from "./utils/Vm.sol";
import {CoordinatorFixture} from "./CoordinatorFixture.t.sol";
import {PohToken} from "../../contracts/PohToken.sol";
import {PohStaking} from "../../contracts/PohStaking.sol";
import {PohCoordinator} from "../../contracts/PohCoordinator.sol";
import {IPohCoordinator} from "../../contracts/interfaces/IPohCoordinator.sol";

/// @dev Drives the protocol with random requests, commits, reveals, block advances,
/// finalisations, expiries and withdrawals, and keeps ghost accounts of what must hold.
contract CoordinatorHandler {
    PohCoordinator public immutable coordinator;
    PohToken public immutable token;
    PohStaking public immutable staking;
    address public immutable requester;
    uint32 public immutable modelId;
    address[] internal _accounts; // everyone who can hold coin or POH

    uint256[] public jobs;
    mapping(uint256 => uint16) internal _score; // committed score per (job, member index), packed key
    mapping(uint256 => bool) internal _byRoot; // committed with commitBatchRoot, same key
    mapping(uint256 => bool) internal _settled;

    uint256 public feesIn;
    uint256 public withdrawn;
    uint256 public pendingFees;
    /// Counts of rule breaks seen while acting; the invariants require zero.
    uint256 public paidTwice;
    uint256 public wrongCredit;
    uint256 public wrongRefund;
    uint256 public settlements;

    constructor(
        PohCoordinator coordinator_,
        PohToken token_,
        PohStaking staking_,
        address requester_,
        uint32 modelId_,
        address[] memory accounts_
    ) {
        coordinator = coordinator_;
        token = token_;
        staking = staking_;
        requester = requester_;
        modelId = modelId_;
        _accounts = accounts_;
    }

    function accounts() external view returns (address[] memory) {
        return _accounts;
    }

    function jobCount() external view returns (uint256) {
        return jobs.length;
    }

    // ------------------------------------------------------------------ actions
    function request(uint256 feeSeed) external {
        uint256 fee = 0.0001 ether + (feeSeed % 1 ether);
        vm.prank(requester);
        // A small job ring can be full of pending jobs (JobSlotBusy); nothing is paid in then.
        try coordinator.requestVerification{value: fee}(modelId, keccak256("in"), "ipfs://in", address(0), 0) returns (
            uint256 jobId
        ) {
            jobs.push(jobId);
            feesIn += fee;
            pendingFees += fee;
        } catch {}
    }

    function commit(uint256 jobSeed, uint256 memberSeed, uint256 scoreSeed) external {
        if (jobs.length == 0) return;
        uint256 jobId = jobs[jobSeed % jobs.length];
        address[] memory c = coordinator.getJob(jobId).committee;
        uint256 i = memberSeed % c.length;
        // Mostly agreeing scores near 7000, some outliers and some "invalid input".
        uint256 r = scoreSeed % 10;
        uint16 score = r < 6 ? uint16(6800 + (scoreSeed >> 8) % 400) : r < 9 ? uint16((scoreSeed >> 8) % 10_001) : 65_535;
        bytes32 commitment = keccak256(abi.encode(jobId, c[i], score, bytes32(jobId)));
        // Half the commits take the root path (a one-job batch), half the per-job path.
        bool byRoot = (scoreSeed >> 128) & 1 == 1;
        vm.prank(c[i]);
        if (byRoot) {
            try coordinator.commitBatchRoot(_one(jobId), _oneHash(commitment)) {
                (_score[jobId * 16 + i], _byRoot[jobId * 16 + i]) = (score, true);
            } catch {}
        } else {
            try coordinator.commit(jobId, commitment) {
                _score[jobId * 16 + i] = score;
            } catch {}
        }
    }

    function reveal(uint256 jobSeed, uint256 memberSeed, bool wrong) external {
        if (jobs.length == 0) return;
        uint256 jobId = jobs[jobSeed % jobs.length];
        address[] memory c = coordinator.getJob(jobId).committee;
        uint256 i = memberSeed % c.length;
        uint16 score = _score[jobId * 16 + i];
        if (wrong) score = score == 0 ? 1 : score - 1;
        (uint256 before, uint256 refundBefore) = _snapshot();
        vm.prank(c[i]);
        if (_byRoot[jobId * 16 + i]) {
            uint16[] memory scores = new uint16[](1);
            scores[0] = score;
            bytes32 committed = keccak256(abi.encode(jobId, c[i], _score[jobId * 16 + i], bytes32(jobId)));
            try coordinator.revealBatchRoot(_one(jobId), _oneHash(committed), scores, _oneHash(bytes32(jobId))) {} catch {}
        } else {
            try coordinator.reveal(jobId, score, bytes32(jobId)) {} catch {}
        }
        _check(jobId, before, refundBefore);
    }

    function _one(uint256 value) internal pure returns (uint256[] memory a) {
        a = new uint256[](1);
        a[0] = value;
    }

    function _oneHash(bytes32 value) internal pure returns (bytes32[] memory a) {
        a = new bytes32[](1);
        a[0] = value;
    }

    function roll(uint256 blocks) external {
        vm.roll(block.number + 1 + blocks % 15);
    }

    function finalize(uint256 jobSeed) external {
        if (jobs.length == 0) return;
        uint256 jobId = jobs[jobSeed % jobs.length];
        (uint256 before, uint256 refundBefore) = _snapshot();
        try coordinator.finalize(jobId) {} catch {}
        _check(jobId, before, refundBefore);
    }

    function expire(uint256 jobSeed) external {
        if (jobs.length == 0) return;
        uint256 jobId = jobs[jobSeed % jobs.length];
        (uint256 before, uint256 refundBefore) = _snapshot();
        try coordinator.expire(jobId) {} catch {}
        _check(jobId, before, refundBefore);
    }

    function withdraw(uint256 accountSeed) external {
        address a = _accounts[accountSeed % _accounts.length];
        uint256 amount = coordinator.claimable(a);
        vm.prank(a);
        try coordinator.withdraw() {
            withdrawn += amount;
        } catch {}
    }

    // ------------------------------------------------------------------ ghost bookkeeping
    function _snapshot() internal view returns (uint256 claimableTotal, uint256 requesterClaimable) {
        return (coordinator.totalClaimable(), coordinator.claimable(requester));
    }

    /// Checks one call that could end job `jobId` (and only that job: single reveals, finalize,
    /// expire): credits grow by exactly its fee, once; a failed job refunds exactly its fee.
    function _check(uint256 jobId, uint256 claimableBefore, uint256 refundBefore) internal {
        IPohCoordinator.Job memory job = coordinator.getJob(jobId);
        uint256 credited = coordinator.totalClaimable() - claimableBefore;
        bool ended = job.status != IPohCoordinator.JobStatus.Pending;
        if (ended && !_settled[jobId]) {
            _settled[jobId] = true;
            ++settlements;
            pendingFees -= job.fee;
            if (credited != job.fee) ++wrongCredit;
            if (job.status == IPohCoordinator.JobStatus.Failed) {
                if (coordinator.claimable(requester) - refundBefore != job.fee) ++wrongRefund;
            } else if (coordinator.claimable(requester) != refundBefore) {
                ++wrongRefund;
            }
        } else if (credited != 0) {
            ++paidTwice;
        }
    }
}

/// @dev Invariants over random sequences of handler actions.
contract InvariantsTest is CoordinatorFixture {
    CoordinatorHandler internal handler;

    function setUp() public {
        _deploy(6);
        coordinator.setCommittee(3, 0);
        address[] memory accounts = new address[](miners.length + 2);
        for (uint256 i; i < miners.length; ++i) accounts[i] = miners[i];
        accounts[miners.length] = requester;
        accounts[miners.length + 1] = treasury;
        handler = new CoordinatorHandler(coordinator, token, staking, requester, modelId, accounts);
    }

    /// The handler really settles jobs (so the invariants are not vacuous).
    function test_handler_SettlesAndChecksJobs() public {
        handler.request(0);
        for (uint256 i; i < 3; ++i) handler.commit(0, i, 0);
        for (uint256 i; i < 3; ++i) handler.reveal(0, i, false);
        assertEq(handler.settlements(), 1, "one settlement");
        assertTrue(coordinator.getJob(1).status == IPohCoordinator.JobStatus.Final, "final");
        handler.request(1);
        handler.roll(20);
        handler.roll(20);
        handler.expire(1);
        assertEq(handler.settlements(), 2, "expired job settled");
        assertEq(handler.wrongCredit() + handler.wrongRefund() + handler.paidTwice(), 0, "no rule broken");
        assertEq(handler.pendingFees(), 0, "nothing pending");
    }

    /// The contracts the fuzzer calls.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Native coin: the coordinator holds exactly what is escrowed plus what is claimable.
    function invariant_NativeCoinSolvent() public view {
        assertEq(
            address(coordinator).balance,
            coordinator.totalEscrowed() + coordinator.totalClaimable(),
            "balance == escrowed + claimable"
        );
    }

    /// Every fee paid in is escrowed, claimable or withdrawn: nothing created or lost.
    function invariant_FeesConserved() public view {
        assertEq(
            handler.feesIn(),
            coordinator.totalEscrowed() + coordinator.totalClaimable() + handler.withdrawn(),
            "fees in == escrowed + claimable + withdrawn"
        );
        assertEq(coordinator.totalEscrowed(), handler.pendingFees(), "escrow == fees of pending jobs");
    }

    /// Every job is credited once, with exactly its fee; a failed or expired job refunds exactly its fee.
    function invariant_NoJobPaidTwiceAndRefundsExact() public view {
        assertEq(handler.paidTwice(), 0, "credit outside a settlement");
        assertEq(handler.wrongCredit(), 0, "settlement credited other than the fee");
        assertEq(handler.wrongRefund(), 0, "refund other than the fee");
    }

    /// POH: balances of every holder sum to minted - burned, and staking holds exactly the stakes.
    function invariant_TokenConservation() public view {
        address[] memory accounts = handler.accounts();
        uint256 sum = token.balanceOf(address(staking)) + token.balanceOf(address(emission))
            + token.balanceOf(address(coordinator));
        for (uint256 i; i < accounts.length; ++i) sum += token.balanceOf(accounts[i]);
        uint256 minted = token.TREASURY_ALLOCATION() + token.miningMinted();
        assertEq(token.totalSupply(), minted - token.totalBurned(), "supply == minted - burned");
        assertEq(sum, token.totalSupply(), "balances + stakes == minted - burned");
        assertEq(token.balanceOf(address(staking)), staking.totalStaked(), "staking holds the stakes");
        assertEq(token.balanceOf(address(coordinator)), 0, "the coordinator never holds POH");
    }

    /// Miners' open-job counters match the committees of pending jobs.
    function invariant_OpenJobsMatchPendingCommittees() public view {
        address[] memory accounts = handler.accounts();
        uint256 open;
        for (uint256 i; i < accounts.length; ++i) open += coordinator.minerStats(accounts[i]).openJobs;
        uint256 pendingSeats;
        uint256 n = handler.jobCount();
        for (uint256 k; k < n; ++k) {
            IPohCoordinator.Job memory job = coordinator.getJob(handler.jobs(k));
            if (job.status == IPohCoordinator.JobStatus.Pending) pendingSeats += job.committeeSize;
        }
        assertEq(open, pendingSeats, "open jobs == seats on pending committees");
    }
}

/// @dev The same invariants with a 4-record job ring, so that records are reused (and requests
/// meet JobSlotBusy) during the random sequences.
contract InvariantsSmallRingTest is InvariantsTest {
    function _jobSlots() internal pure override returns (uint256) {
        return 4;
    }
}

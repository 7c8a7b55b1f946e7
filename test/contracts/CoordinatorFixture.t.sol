// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {vm} from "./utils/Vm.sol";
import {TestBase} from "./utils/TestBase.sol";
import {PohToken} from "../../contracts/PohToken.sol";
import {PohStaking} from "../../contracts/PohStaking.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {PohEmission} from "../../contracts/PohEmission.sol";
import {PohCoordinator} from "../../contracts/PohCoordinator.sol";
import {IPohCoordinator} from "../../contracts/interfaces/IPohCoordinator.sol";

/// @dev Cheatcodes beyond utils/Vm.sol that these tests use.
interface VmExtra {
    /// Expects the next call to revert with this selector, whatever the error's arguments.
    function expectPartialRevert(bytes4 selector) external;
}

VmExtra constant vmx = VmExtra(address(vm));

/// @dev The whole protocol, deployed and wired as deploy/ does, with `minerCount` staked miners.
/// The test contract is the admin (and so governor and pauser) of everything.
abstract contract CoordinatorFixture is TestBase {
    uint256 internal constant STAKE = 10_000e18;
    uint256 internal constant MIN_STAKE = 1_000e18;
    uint256 internal constant FEE = 0.01 ether;
    uint256 internal constant EPOCH_LENGTH = 100;
    bytes32 internal constant INPUT_HASH = keccak256("telemetry");
    string internal constant INPUT_URI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";

    PohToken internal token;
    PohStaking internal staking;
    ModelRegistry internal registry;
    PohEmission internal emission;
    PohCoordinator internal coordinator;
    address internal treasury;
    address internal requester;
    address[] internal miners;
    uint32 internal modelId;

    function _deploy(uint256 minerCount) internal {
        vm.roll(100);
        treasury = makeAddr("treasury");
        requester = makeAddr("requester");
        vm.deal(requester, 1_000 ether);
        token = new PohToken(address(this), treasury);
        staking = new PohStaking(address(this), address(token), treasury, MIN_STAKE, 7 days);
        registry = new ModelRegistry(address(this));
        emission = new PohEmission(address(this), address(token), EPOCH_LENGTH, 730);
        coordinator =
            new PohCoordinator(
                address(this), address(staking), address(registry), address(emission), treasury, _jobSlots()
            );
        token.setEmission(address(emission));
        staking.setCoordinator(address(coordinator));
        emission.setCoordinator(address(coordinator));
        modelId = registry.addModel(keccak256("model"), 1, "ipfs://model");
        for (uint256 i; i < minerCount; ++i) {
            _addMiner(string.concat("miner", _str(i)), STAKE);
        }
    }

    /// @dev Records in the coordinator's job ring; a test contract may override it to exercise reuse.
    function _jobSlots() internal pure virtual returns (uint256) {
        return 65_536;
    }

    function _addMiner(string memory name, uint256 amount) internal returns (address miner) {
        miner = makeAddr(name);
        vm.prank(treasury);
        token.transfer(miner, amount);
        vm.startPrank(miner);
        token.approve(address(staking), amount);
        staking.stake(amount);
        vm.stopPrank();
        miners.push(miner);
    }

    // ------------------------------------------------------------------ job helpers
    function _request() internal returns (uint256 jobId) {
        vm.prank(requester);
        jobId = coordinator.requestVerification{value: FEE}(modelId, INPUT_HASH, INPUT_URI, address(0), 0);
    }

    function _requestWithCallback(address callback, uint32 gasLimit) internal returns (uint256 jobId) {
        vm.prank(requester);
        jobId = coordinator.requestVerification{value: FEE}(modelId, INPUT_HASH, INPUT_URI, callback, gasLimit);
    }

    function _committee(uint256 jobId) internal view returns (address[] memory) {
        return coordinator.getJob(jobId).committee;
    }

    function _salt(uint256 jobId, address miner) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", jobId, miner));
    }

    function _commitment(uint256 jobId, address miner, uint16 score) internal pure returns (bytes32) {
        return keccak256(abi.encode(jobId, miner, score, _salt(jobId, miner)));
    }

    function _commit(uint256 jobId, address miner, uint16 score) internal {
        vm.prank(miner);
        coordinator.commit(jobId, _commitment(jobId, miner, score));
    }

    function _reveal(uint256 jobId, address miner, uint16 score) internal {
        vm.prank(miner);
        coordinator.reveal(jobId, score, _salt(jobId, miner));
    }

    /// @dev Members in committee order: scores[i] for member i; NO_COMMIT skips the commit,
    /// NO_REVEAL commits a score of 5000 but never reveals it.
    uint256 internal constant NO_COMMIT = type(uint256).max;
    uint256 internal constant NO_REVEAL = type(uint256).max - 1;

    function _play(uint256 jobId, uint256[] memory scores) internal {
        (address last, uint16 score) = _prepare(jobId, scores);
        if (last != address(0)) _reveal(jobId, last, score);
    }

    /// @dev Plays everything up to (not including) the last reveal, which it returns, so that a
    /// test can put expectEmit right before the call that settles the job.
    function _prepare(uint256 jobId, uint256[] memory scores) internal returns (address last, uint16 lastScore) {
        address[] memory c = _committee(jobId);
        uint256 committed;
        for (uint256 i; i < c.length; ++i) {
            if (scores[i] == NO_COMMIT) continue;
            _commit(jobId, c[i], scores[i] == NO_REVEAL ? 5000 : uint16(scores[i]));
            ++committed;
        }
        if (committed < c.length) vm.roll(coordinator.getJob(jobId).commitDeadline + 1);
        for (uint256 i; i < c.length; ++i) {
            if (scores[i] == NO_COMMIT || scores[i] == NO_REVEAL) continue;
            if (last != address(0)) _reveal(jobId, last, lastScore);
            (last, lastScore) = (c[i], uint16(scores[i]));
        }
    }

    function _scores5(uint256 a, uint256 b, uint256 c, uint256 d, uint256 e) internal pure returns (uint256[] memory s) {
        s = new uint256[](5);
        (s[0], s[1], s[2], s[3], s[4]) = (a, b, c, d, e);
    }

    function _scores3(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory s) {
        s = new uint256[](3);
        (s[0], s[1], s[2]) = (a, b, c);
    }

    /// @dev A member word of JobFinalized / JobFailed: miner | outcome << 160 | trust << 168.
    function _packed(address miner, IPohCoordinator.MemberOutcome outcome, uint256 trustBps)
        internal
        pure
        returns (uint256)
    {
        return uint256(uint160(miner)) | (uint256(uint8(outcome)) << 160) | (trustBps << 168);
    }

    /// @dev The members of a settled job whose miners had no history before it: an Agreed
    /// member's multiplier is then 12,000 (1 + 0.2 x log2(2)), every other member's the floor.
    function _settled(address[] memory c, IPohCoordinator.MemberOutcome[] memory outcomes)
        internal
        pure
        returns (uint256[] memory members)
    {
        members = new uint256[](c.length);
        for (uint256 i; i < c.length; ++i) {
            uint256 trust = outcomes[i] == IPohCoordinator.MemberOutcome.Agreed ? 12_000 : 10_000;
            members[i] = _packed(c[i], outcomes[i], trust);
        }
    }

    /// @dev Outcomes of five members; A = Agreed, O = Outlier, C = NoCommit, R = NoReveal, U = Unscored.
    function _outcomes5(bytes5 code) internal pure returns (IPohCoordinator.MemberOutcome[] memory o) {
        o = new IPohCoordinator.MemberOutcome[](5);
        for (uint256 i; i < 5; ++i) {
            bytes1 ch = code[i];
            o[i] = ch == "A" ? IPohCoordinator.MemberOutcome.Agreed : ch == "O" ? IPohCoordinator.MemberOutcome.Outlier
                : ch == "C" ? IPohCoordinator.MemberOutcome.NoCommit : ch == "R" ? IPohCoordinator.MemberOutcome.NoReveal
                : IPohCoordinator.MemberOutcome.Unscored;
        }
    }

    /// @dev Expects the JobFinalized event of a job with fee FEE and default fee parameters.
    function _expectFinalized(uint256 jobId, uint16 result, address proposer, uint256 agree, uint256[] memory members)
        internal
    {
        uint256 protocolFee = FEE * 500 / 10_000;
        uint256 net = FEE - protocolFee;
        uint256 bonus = net * 1000 / 10_000;
        uint256 share = (net - bonus) / agree;
        vm.expectEmit(true, true, true, true, address(coordinator));
        emit IPohCoordinator.JobFinalized(
            jobId,
            result,
            result >= 5000,
            proposer,
            uint8(agree),
            protocolFee,
            share,
            bonus + (net - bonus - agree * share),
            emission.currentEpoch(),
            members
        );
    }

    function _totalStake(address miner) internal view returns (uint256) {
        return staking.totalStakeOf(miner);
    }

    function _str(uint256 v) internal pure returns (string memory) {
        if (v == 0) return "0";
        uint256 len;
        for (uint256 t = v; t != 0; t /= 10) ++len;
        bytes memory b = new bytes(len);
        for (; v != 0; v /= 10) b[--len] = bytes1(uint8(48 + (v % 10)));
        return string(b);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {vm} from "./utils/Vm.sol";
import {CoordinatorFixture} from "./CoordinatorFixture.t.sol";
import {IPohCoordinator} from "../../contracts/interfaces/IPohCoordinator.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

/// @dev Governance: every setter's bounds, event and role; pause and unpause.
contract CoordinatorGovernanceTest is CoordinatorFixture {
    address internal stranger;
    bytes32 internal governor;

    function setUp() public {
        _deploy(6);
        stranger = makeAddr("stranger");
        governor = coordinator.GOVERNOR_ROLE();
    }

    function _oob(bytes32 name, uint256 value, uint256 min, uint256 max) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IPohCoordinator.ParameterOutOfBounds.selector, name, value, min, max);
    }

    function _unauthorized(bytes32 role) internal view returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role);
    }

    // ------------------------------------------------------------------ setCommittee
    function test_setCommittee_UpdatesAndEmits() public {
        vm.expectEmit(true, false, false, true, address(coordinator));
        emit IPohCoordinator.ParameterChanged("committeeSize", 5, 7);
        vm.expectEmit(true, false, false, true, address(coordinator));
        emit IPohCoordinator.ParameterChanged("quorum", 3, 5);
        coordinator.setCommittee(7, 5);
        assertEq(coordinator.getParams().committeeSize, 7, "size");
        assertEq(coordinator.getParams().quorum, 5, "quorum");
    }

    function test_setCommittee_ZeroQuorumMeansMajority() public {
        coordinator.setCommittee(4, 0);
        assertEq(coordinator.getParams().quorum, 3, "floor(4/2)+1");
        coordinator.setCommittee(15, 0);
        assertEq(coordinator.getParams().quorum, 8, "floor(15/2)+1");
    }

    function test_setCommittee_RevertWhen_SizeZero() public {
        vm.expectRevert(_oob("committeeSize", 0, 1, 15));
        coordinator.setCommittee(0, 0);
    }

    function test_setCommittee_RevertWhen_SizeAbove15() public {
        vm.expectRevert(_oob("committeeSize", 16, 1, 15));
        coordinator.setCommittee(16, 0);
    }

    function test_setCommittee_RevertWhen_QuorumNotMajority() public {
        vm.expectRevert(_oob("quorum", 2, 3, 5));
        coordinator.setCommittee(5, 2);
    }

    function test_setCommittee_RevertWhen_QuorumAboveSize() public {
        vm.expectRevert(_oob("quorum", 6, 3, 5));
        coordinator.setCommittee(5, 6);
    }

    function test_setCommittee_RevertWhen_NotGovernor() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(governor));
        coordinator.setCommittee(5, 3);
    }

    // ------------------------------------------------------------------ single-value setters
    function test_setToleranceBps_UpdatesAndEmits() public {
        vm.expectEmit(true, false, false, true, address(coordinator));
        emit IPohCoordinator.ParameterChanged("toleranceBps", 500, 0);
        coordinator.setToleranceBps(0);
        assertEq(coordinator.getParams().toleranceBps, 0, "tolerance");
    }

    function test_setToleranceBps_RevertWhen_AboveMax() public {
        vm.expectRevert(_oob("toleranceBps", 5001, 0, 5000));
        coordinator.setToleranceBps(5001);
    }

    function test_setToleranceBps_RevertWhen_NotGovernor() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(governor));
        coordinator.setToleranceBps(1);
    }

    function test_setThresholdBps_UpdatesAndEmits() public {
        vm.expectEmit(true, false, false, true, address(coordinator));
        emit IPohCoordinator.ParameterChanged("thresholdBps", 5000, 10_000);
        coordinator.setThresholdBps(10_000);
        assertEq(coordinator.getParams().thresholdBps, 10_000, "threshold");
    }

    function test_setThresholdBps_RevertWhen_Zero() public {
        vm.expectRevert(_oob("thresholdBps", 0, 1, 10_000));
        coordinator.setThresholdBps(0);
    }

    function test_setThresholdBps_RevertWhen_AboveMax() public {
        vm.expectRevert(_oob("thresholdBps", 10_001, 1, 10_000));
        coordinator.setThresholdBps(10_001);
    }

    function test_setThresholdBps_RevertWhen_NotGovernor() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(governor));
        coordinator.setThresholdBps(1);
    }

    function test_setProtocolFeeBps_UpdatesAndEmits() public {
        vm.expectEmit(true, false, false, true, address(coordinator));
        emit IPohCoordinator.ParameterChanged("protocolFeeBps", 500, 2000);
        coordinator.setProtocolFeeBps(2000);
        assertEq(coordinator.getParams().protocolFeeBps, 2000, "protocol fee");
    }

    function test_setProtocolFeeBps_RevertWhen_AboveMax() public {
        vm.expectRevert(_oob("protocolFeeBps", 2001, 0, 2000));
        coordinator.setProtocolFeeBps(2001);
    }

    function test_setProtocolFeeBps_RevertWhen_NotGovernor() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(governor));
        coordinator.setProtocolFeeBps(1);
    }

    function test_setProposerBonusBps_UpdatesAndEmits() public {
        vm.expectEmit(true, false, false, true, address(coordinator));
        emit IPohCoordinator.ParameterChanged("proposerBonusBps", 1000, 5000);
        coordinator.setProposerBonusBps(5000);
        assertEq(coordinator.getParams().proposerBonusBps, 5000, "bonus");
    }

    function test_setProposerBonusBps_RevertWhen_AboveMax() public {
        vm.expectRevert(_oob("proposerBonusBps", 5001, 0, 5000));
        coordinator.setProposerBonusBps(5001);
    }

    function test_setProposerBonusBps_RevertWhen_NotGovernor() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(governor));
        coordinator.setProposerBonusBps(1);
    }

    function test_setPenalties_UpdatesAndEmits() public {
        vm.expectEmit(true, false, false, true, address(coordinator));
        emit IPohCoordinator.ParameterChanged("livenessPenaltyBps", 100, 2000);
        vm.expectEmit(true, false, false, true, address(coordinator));
        emit IPohCoordinator.ParameterChanged("outlierPenaltyBps", 300, 0);
        coordinator.setPenalties(2000, 0);
        assertEq(coordinator.getParams().livenessPenaltyBps, 2000, "liveness");
        assertEq(coordinator.getParams().outlierPenaltyBps, 0, "outlier");
    }

    function test_setPenalties_RevertWhen_LivenessAboveMax() public {
        vm.expectRevert(_oob("livenessPenaltyBps", 2001, 0, 2000));
        coordinator.setPenalties(2001, 0);
    }

    function test_setPenalties_RevertWhen_OutlierAboveMax() public {
        vm.expectRevert(_oob("outlierPenaltyBps", 2001, 0, 2000));
        coordinator.setPenalties(0, 2001);
    }

    function test_setPenalties_RevertWhen_NotGovernor() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(governor));
        coordinator.setPenalties(1, 1);
    }

    function test_setWindows_UpdatesAndEmits() public {
        vm.expectEmit(true, false, false, true, address(coordinator));
        emit IPohCoordinator.ParameterChanged("commitWindow", 10, 1);
        vm.expectEmit(true, false, false, true, address(coordinator));
        emit IPohCoordinator.ParameterChanged("revealWindow", 10, 10_000);
        coordinator.setWindows(1, 10_000);
        uint256 jobId = _request();
        assertEq(coordinator.getJob(jobId).commitDeadline, block.number + 1, "new commit window applies");
        assertEq(coordinator.getJob(jobId).revealDeadline, block.number + 10_001, "new reveal window applies");
    }

    function test_setWindows_RevertWhen_CommitWindowZero() public {
        vm.expectRevert(_oob("commitWindow", 0, 1, 10_000));
        coordinator.setWindows(0, 10);
    }

    function test_setWindows_RevertWhen_RevealWindowAboveMax() public {
        vm.expectRevert(_oob("revealWindow", 10_001, 1, 10_000));
        coordinator.setWindows(10, 10_001);
    }

    function test_setWindows_RevertWhen_NotGovernor() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(governor));
        coordinator.setWindows(5, 5);
    }

    function test_setMaxCallbackGas_UpdatesAndEmits() public {
        vm.expectEmit(true, false, false, true, address(coordinator));
        emit IPohCoordinator.ParameterChanged("maxCallbackGas", 500_000, 5_000_000);
        coordinator.setMaxCallbackGas(5_000_000);
        assertEq(coordinator.getParams().maxCallbackGas, 5_000_000, "max gas");
    }

    function test_setMaxCallbackGas_RevertWhen_AboveMax() public {
        vm.expectRevert(_oob("maxCallbackGas", 5_000_001, 0, 5_000_000));
        coordinator.setMaxCallbackGas(5_000_001);
    }

    function test_setMaxCallbackGas_RevertWhen_NotGovernor() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(governor));
        coordinator.setMaxCallbackGas(1);
    }

    function test_setMinFee_UpdatesAndEmits() public {
        vm.expectEmit(true, false, false, true, address(coordinator));
        emit IPohCoordinator.ParameterChanged("minFee", 0.0001 ether, 100 ether);
        coordinator.setMinFee(100 ether);
        assertEq(coordinator.getParams().minFee, 100 ether, "min fee");
    }

    function test_setMinFee_RevertWhen_AboveMax() public {
        vm.expectRevert(_oob("minFee", 100 ether + 1, 0, 100 ether));
        coordinator.setMinFee(100 ether + 1);
    }

    function test_setMinFee_RevertWhen_NotGovernor() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(governor));
        coordinator.setMinFee(1);
    }

    // ------------------------------------------------------------------ treasury
    function test_setTreasury_UpdatesAndEmits() public {
        address next = makeAddr("next treasury");
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit IPohCoordinator.TreasuryChanged(treasury, next);
        coordinator.setTreasury(next);
        assertEq(coordinator.treasury(), next, "treasury");
    }

    function test_setTreasury_RevertWhen_Zero() public {
        vm.expectRevert(IPohCoordinator.ZeroAddress.selector);
        coordinator.setTreasury(address(0));
    }

    function test_setTreasury_RevertWhen_NotGovernor() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(governor));
        coordinator.setTreasury(stranger);
    }

    // ------------------------------------------------------------------ pause
    function test_pause_BlocksRequestsOnly() public {
        uint256 jobId = _request();
        address m = _committee(jobId)[0];
        vm.expectEmit(false, false, false, true, address(coordinator));
        emit Pausable.Paused(address(this));
        coordinator.pause();
        assertTrue(coordinator.paused(), "paused");
        // Work in flight continues.
        _commit(jobId, m, 5000);
        vm.roll(block.number + 11);
        coordinator.expire(jobId);
        vm.prank(requester);
        coordinator.withdraw();
        vm.expectEmit(false, false, false, true, address(coordinator));
        emit Pausable.Unpaused(address(this));
        coordinator.unpause();
        assertEq(_request(), 2, "requests resume");
    }

    function test_pause_RevertWhen_NotPauser() public {
        bytes32 role = coordinator.PAUSER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(role));
        coordinator.pause();
    }

    function test_unpause_RevertWhen_NotPauser() public {
        coordinator.pause();
        bytes32 role = coordinator.PAUSER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(role));
        coordinator.unpause();
    }

    function test_pause_RevertWhen_AlreadyPaused() public {
        coordinator.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        coordinator.pause();
    }

    function test_unpause_RevertWhen_NotPaused() public {
        vm.expectRevert(Pausable.ExpectedPause.selector);
        coordinator.unpause();
    }

    function test_committeeChange_DoesNotAffectOpenJobs() public {
        uint256 jobId = _request();
        coordinator.setCommittee(3, 0);
        IPohCoordinator.Job memory job = coordinator.getJob(jobId);
        assertEq(job.committeeSize, 5, "size fixed at request");
        assertEq(job.quorum, 3, "quorum fixed at request");
        assertEq(coordinator.getJob(_request()).committeeSize, 3, "new jobs use the new size");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {vm} from "./utils/Vm.sol";
import {TestBase} from "./utils/TestBase.sol";
import {PohToken} from "../../contracts/PohToken.sol";
import {PohStaking} from "../../contracts/PohStaking.sol";
import {IPohStaking} from "../../contracts/interfaces/IPohStaking.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";

/// @dev Shared fixture: the test contract itself plays the coordinator (it answers lockedStake).
abstract contract StakingFixture is TestBase {
    PohToken internal token;
    PohStaking internal staking;
    address internal admin = makeAddr("admin");
    address internal treasury = makeAddr("treasury");
    address internal slashTreasury = makeAddr("slashTreasury");

    uint256 internal constant MIN_STAKE = 100e18;
    uint256 internal constant PERIOD = 7 days;

    mapping(address miner => uint256) internal _locked;

    function lockedStake(address miner) external view returns (uint256) {
        return _locked[miner];
    }

    function _deploy() internal {
        token = new PohToken(admin, treasury);
        staking = new PohStaking(admin, address(token), slashTreasury, MIN_STAKE, PERIOD);
    }

    function _fund(address miner, uint256 amount) internal {
        vm.prank(treasury);
        token.transfer(miner, amount);
        vm.prank(miner);
        token.approve(address(staking), type(uint256).max);
    }

    function _stake(address miner, uint256 amount) internal {
        _fund(miner, amount);
        vm.prank(miner);
        staking.stake(amount);
    }

    function _becomeCoordinator() internal {
        vm.prank(admin);
        staking.setCoordinator(address(this));
    }
}

contract PohStakingTest is StakingFixture {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    bytes32 internal governorRole;
    bytes32 internal adminRole;

    function setUp() public {
        vm.warp(1_000_000);
        _deploy();
        governorRole = staking.GOVERNOR_ROLE();
        adminRole = staking.DEFAULT_ADMIN_ROLE();
    }

    // ------------------------------------------------------------ constructor

    function test_constructor_SetsParametersAndEmits() public {
        vm.expectEmit();
        emit IPohStaking.TreasuryChanged(address(0), slashTreasury);
        vm.expectEmit();
        emit IPohStaking.ParameterChanged("minStake", 0, MIN_STAKE);
        vm.expectEmit();
        emit IPohStaking.ParameterChanged("unbondingPeriod", 0, PERIOD);
        PohStaking s = new PohStaking(admin, address(token), slashTreasury, MIN_STAKE, PERIOD);
        assertEq(address(s.token()), address(token), "token");
        assertEq(s.treasury(), slashTreasury, "treasury");
        assertEq(s.minStake(), MIN_STAKE, "min stake");
        assertEq(s.unbondingPeriod(), PERIOD, "period");
        assertEq(s.coordinator(), address(0), "no coordinator");
        assertTrue(s.hasRole(s.GOVERNOR_ROLE(), admin), "admin governs");
        assertEq(s.defaultAdmin(), admin, "admin");
        assertEq(s.DEFAULT_UNBONDING_PERIOD(), 7 days, "default period");
    }

    function test_constructor_RevertWhen_TokenIsZero() public {
        vm.expectRevert(IPohStaking.ZeroAddress.selector);
        new PohStaking(admin, address(0), slashTreasury, MIN_STAKE, PERIOD);
    }

    function test_constructor_RevertWhen_TreasuryIsZero() public {
        vm.expectRevert(IPohStaking.ZeroAddress.selector);
        new PohStaking(admin, address(token), address(0), MIN_STAKE, PERIOD);
    }

    function test_constructor_RevertWhen_AdminIsZero() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, address(0))
        );
        new PohStaking(address(0), address(token), slashTreasury, MIN_STAKE, PERIOD);
    }

    function test_constructor_RevertWhen_MinStakeOutOfBounds() public {
        vm.expectRevert(abi.encodeWithSelector(IPohStaking.ParameterOutOfBounds.selector, bytes32("minStake"), 0, 1, 1e27));
        new PohStaking(admin, address(token), slashTreasury, 0, PERIOD);
    }

    function test_constructor_RevertWhen_UnbondingPeriodOutOfBounds() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IPohStaking.ParameterOutOfBounds.selector, bytes32("unbondingPeriod"), 59 minutes, 1 hours, 90 days
            )
        );
        new PohStaking(admin, address(token), slashTreasury, MIN_STAKE, 59 minutes);
    }

    function test_constructor_RevertWhen_MinStakeAboveMax() public {
        vm.expectRevert(
            abi.encodeWithSelector(IPohStaking.ParameterOutOfBounds.selector, bytes32("minStake"), 1e27 + 1, 1, 1e27)
        );
        new PohStaking(admin, address(token), slashTreasury, 1e27 + 1, PERIOD);
    }

    function test_constructor_RevertWhen_UnbondingPeriodAboveMax() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IPohStaking.ParameterOutOfBounds.selector, bytes32("unbondingPeriod"), 90 days + 1, 1 hours, 90 days
            )
        );
        new PohStaking(admin, address(token), slashTreasury, MIN_STAKE, 90 days + 1);
    }

    // ------------------------------------------------------------------ stake

    function test_stake_AddsActiveStakeAndWeight() public {
        _fund(alice, 150e18);
        vm.expectEmit();
        emit IPohStaking.Staked(alice, 150e18, 150e18);
        vm.prank(alice);
        staking.stake(150e18);
        assertEq(token.balanceOf(address(staking)), 150e18, "held");
        assertEq(token.balanceOf(alice), 0, "paid");
        IPohStaking.StakeInfo memory info = staking.stakeOf(alice);
        assertEq(info.active, 150e18, "active");
        assertEq(info.unbonding, 0, "unbonding");
        assertEq(info.locked, 0, "no coordinator, no lock");
        assertEq(staking.weightOf(alice), 150e18, "weight");
        assertEq(staking.totalStakeOf(alice), 150e18, "total of");
        assertEq(staking.totalActiveStake(), 150e18, "total active");
        assertEq(staking.totalStaked(), 150e18, "total staked");
        assertEq(staking.totalWeight(), 150e9, "tree total");
        assertEq(staking.minerCount(), 1, "selectable");
        assertEq(staking.leafCount(), 1, "leaves");
    }

    function test_stake_TopUpKeepsOneLeaf() public {
        _stake(alice, 100e18);
        _stake(bob, 200e18);
        _fund(alice, 50e18);
        vm.expectEmit();
        emit IPohStaking.Staked(alice, 50e18, 150e18);
        vm.prank(alice);
        staking.stake(50e18);
        assertEq(staking.leafCount(), 2, "leaves");
        assertEq(staking.minerCount(), 2, "selectable");
        assertEq(staking.weightOf(alice), 150e18, "weight");
        assertEq(staking.totalWeight(), 350e9, "tree total");
    }

    function test_stake_BelowOneWeightUnitIsNotSelectable() public {
        PohStaking s = new PohStaking(admin, address(token), slashTreasury, 1, PERIOD);
        vm.prank(treasury);
        token.transfer(alice, 1e9);
        vm.startPrank(alice);
        token.approve(address(s), 1e9);
        s.stake(1e9 - 1);
        vm.stopPrank();
        assertEq(s.weightOf(alice), 0, "under one unit");
        assertEq(s.minerCount(), 0, "not selectable");
        vm.prank(alice);
        s.stake(1);
        assertEq(s.weightOf(alice), 1e9, "one unit");
        assertEq(s.totalWeight(), 1, "tree in units");
        assertEq(s.minerCount(), 1, "selectable");
    }

    function test_stake_RevertWhen_ZeroAmount() public {
        vm.prank(alice);
        vm.expectRevert(IPohStaking.ZeroAmount.selector);
        staking.stake(0);
    }

    function test_stake_RevertWhen_BelowMinStake() public {
        _fund(alice, 99e18);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPohStaking.BelowMinStake.selector, 99e18, MIN_STAKE));
        staking.stake(99e18);
    }

    function test_stake_RevertWhen_NotApproved() public {
        vm.prank(treasury);
        token.transfer(alice, 100e18);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(staking), 0, 100e18)
        );
        staking.stake(100e18);
    }

    // ---------------------------------------------------------- requestUnbond

    function test_requestUnbond_MovesStakeOutOfTree() public {
        _stake(alice, 300e18);
        vm.expectEmit();
        emit IPohStaking.UnbondRequested(alice, 300e18, 300e18, uint64(block.timestamp + PERIOD));
        vm.prank(alice);
        staking.requestUnbond(300e18);
        IPohStaking.StakeInfo memory info = staking.stakeOf(alice);
        assertEq(info.active, 0, "active");
        assertEq(info.unbonding, 300e18, "unbonding");
        assertEq(uint256(info.releaseTime), block.timestamp + PERIOD, "release");
        assertEq(staking.weightOf(alice), 0, "weight");
        assertEq(staking.minerCount(), 0, "not selectable");
        assertEq(staking.totalActiveStake(), 0, "total active");
        assertEq(staking.totalStaked(), 300e18, "still staked");
        assertEq(staking.totalStakeOf(alice), 300e18, "still slashable");
    }

    function test_requestUnbond_PartialKeepsWeightAboveMin() public {
        _stake(alice, 300e18);
        vm.prank(alice);
        staking.requestUnbond(200e18);
        assertEq(staking.weightOf(alice), 100e18, "weight");
        assertEq(staking.minerCount(), 1, "selectable");
    }

    function test_requestUnbond_AggregatesAndResetsReleaseTime() public {
        _stake(alice, 300e18);
        vm.prank(alice);
        staking.requestUnbond(100e18);
        vm.warp(block.timestamp + 3 days);
        vm.expectEmit();
        emit IPohStaking.UnbondRequested(alice, 100e18, 200e18, uint64(block.timestamp + PERIOD));
        vm.prank(alice);
        staking.requestUnbond(100e18);
        IPohStaking.StakeInfo memory info = staking.stakeOf(alice);
        assertEq(info.unbonding, 200e18, "one aggregated entry");
        assertEq(uint256(info.releaseTime), block.timestamp + PERIOD, "reset");
    }

    function test_requestUnbond_RevertWhen_ZeroAmount() public {
        _stake(alice, 300e18);
        vm.prank(alice);
        vm.expectRevert(IPohStaking.ZeroAmount.selector);
        staking.requestUnbond(0);
    }

    function test_requestUnbond_RevertWhen_AboveActive() public {
        _stake(alice, 300e18);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPohStaking.InvalidUnbondAmount.selector, 301e18, 300e18));
        staking.requestUnbond(301e18);
    }

    function test_requestUnbond_RevertWhen_LeavesDustBelowMin() public {
        _stake(alice, 300e18);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPohStaking.InvalidUnbondAmount.selector, 250e18, 300e18));
        staking.requestUnbond(250e18);
    }

    // --------------------------------------------------------------- withdraw

    function test_withdraw_PaysOutAfterRelease() public {
        _stake(alice, 300e18);
        vm.prank(alice);
        staking.requestUnbond(300e18);
        vm.warp(block.timestamp + PERIOD);
        vm.expectEmit();
        emit IPohStaking.Withdrawn(alice, 300e18);
        vm.prank(alice);
        staking.withdraw();
        assertEq(token.balanceOf(alice), 300e18, "returned");
        assertEq(staking.totalStakeOf(alice), 0, "nothing left");
        assertEq(staking.totalStaked(), 0, "total");
        assertEq(token.balanceOf(address(staking)), 0, "held");
    }

    function test_withdraw_RevertWhen_NothingUnbonding() public {
        _stake(alice, 300e18);
        vm.prank(alice);
        vm.expectRevert(IPohStaking.NothingToWithdraw.selector);
        staking.withdraw();
    }

    function test_withdraw_RevertWhen_StillUnbonding() public {
        _stake(alice, 300e18);
        vm.prank(alice);
        staking.requestUnbond(300e18);
        uint64 release = uint64(block.timestamp + PERIOD);
        vm.warp(release - 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPohStaking.StillUnbonding.selector, release));
        staking.withdraw();
    }

    function test_withdraw_RevertWhen_StakeLocked() public {
        _becomeCoordinator();
        _stake(alice, 300e18);
        vm.prank(alice);
        staking.requestUnbond(200e18);
        _locked[alice] = 300e18;
        vm.warp(block.timestamp + PERIOD);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPohStaking.StakeLocked.selector, 100e18, 300e18));
        staking.withdraw();
    }

    function test_withdraw_StopsAtLockedStake() public {
        _becomeCoordinator();
        _stake(alice, 300e18);
        vm.prank(alice);
        staking.requestUnbond(300e18);
        _locked[alice] = 120e18;
        assertEq(staking.stakeOf(alice).locked, 120e18, "lock reported");
        vm.warp(block.timestamp + PERIOD);
        vm.expectEmit();
        emit IPohStaking.Withdrawn(alice, 180e18);
        vm.prank(alice);
        staking.withdraw();
        assertEq(staking.stakeOf(alice).unbonding, 120e18, "locked part stays");
        _locked[alice] = 0;
        vm.prank(alice);
        staking.withdraw();
        assertEq(token.balanceOf(alice), 300e18, "all back once unlocked");
    }

    // ---------------------------------------------------------- drawCommittee

    function test_drawCommittee_ReturnsDistinctSelectableMiners() public {
        _becomeCoordinator();
        _stake(alice, 100e18);
        _stake(bob, 200e18);
        _stake(carol, 300e18);
        address dave = makeAddr("dave");
        _stake(dave, 400e18);
        vm.prank(dave);
        staking.requestUnbond(400e18); // dave leaves the tree
        for (uint256 s; s < 10; ++s) {
            address[] memory c = staking.drawCommittee(keccak256(abi.encode(s)), 3);
            assertEq(c.length, 3, "size");
            uint256 seen;
            for (uint256 i; i < 3; ++i) {
                if (c[i] == alice) seen |= 1;
                else if (c[i] == bob) seen |= 2;
                else if (c[i] == carol) seen |= 4;
                else revert AssertionFailed("unexpected member");
            }
            assertEq(seen, 7, "each selectable miner exactly once");
        }
    }

    function test_drawCommittee_RevertWhen_NotEnoughMiners() public {
        _becomeCoordinator();
        _stake(alice, 100e18);
        _stake(bob, 100e18);
        vm.expectRevert(abi.encodeWithSelector(IPohStaking.NotEnoughMiners.selector, 2, 3));
        staking.drawCommittee(bytes32(0), 3);
    }

    function test_drawCommittee_RevertWhen_CallerNotCoordinator() public {
        _becomeCoordinator();
        _stake(alice, 100e18);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPohStaking.NotCoordinator.selector, alice));
        staking.drawCommittee(bytes32(0), 1);
    }

    function test_drawCommittee_RevertWhen_NoCoordinatorSet() public {
        _stake(alice, 100e18);
        vm.prank(address(0));
        vm.expectRevert(abi.encodeWithSelector(IPohStaking.NotCoordinator.selector, address(0)));
        staking.drawCommittee(bytes32(0), 1);
    }

    // ------------------------------------------------------------------ slash

    function test_slash_TakesFromActiveSplitsAndBurns() public {
        _becomeCoordinator();
        _stake(alice, 1_000e18);
        uint256 supplyBefore = token.totalSupply();
        vm.expectEmit();
        emit IPohStaking.Slashed(alice, 7, IPohStaking.SlashReason.Liveness, 100e18, 50e18, 50e18);
        uint256 amount = staking.slash(alice, 7, IPohStaking.SlashReason.Liveness, 1_000);
        assertEq(amount, 100e18, "10%");
        assertEq(staking.stakeOf(alice).active, 900e18, "active");
        assertEq(staking.weightOf(alice), 900e18, "tree updated");
        assertEq(staking.totalWeight(), 900e9, "tree total");
        assertEq(token.balanceOf(slashTreasury), 50e18, "treasury half");
        assertEq(token.totalBurned(), 50e18, "burned half");
        assertEq(token.totalSupply(), supplyBefore - 50e18, "supply");
        assertEq(token.balanceOf(address(staking)), 900e18, "held");
        assertEq(staking.totalStaked(), 900e18, "total staked");
    }

    function test_slash_SpillsIntoUnbonding() public {
        _becomeCoordinator();
        _stake(alice, 400e18);
        vm.prank(alice);
        staking.requestUnbond(300e18);
        // total 400, 50% = 200: 100 from active, 100 from unbonding
        vm.expectEmit();
        emit IPohStaking.Slashed(alice, 9, IPohStaking.SlashReason.Outlier, 200e18, 100e18, 100e18);
        staking.slash(alice, 9, IPohStaking.SlashReason.Outlier, 5_000);
        IPohStaking.StakeInfo memory info = staking.stakeOf(alice);
        assertEq(info.active, 0, "active emptied first");
        assertEq(info.unbonding, 200e18, "rest from unbonding");
        assertEq(staking.minerCount(), 0, "not selectable");
        assertEq(staking.totalActiveStake(), 0, "total active");
        assertEq(staking.totalStaked(), 200e18, "total staked");
    }

    function test_slash_DropsWeightBelowMinStake() public {
        _becomeCoordinator();
        _stake(alice, 100e18);
        _stake(bob, 500e18);
        staking.slash(alice, 1, IPohStaking.SlashReason.Liveness, 100);
        assertEq(staking.stakeOf(alice).active, 99e18, "active");
        assertEq(staking.weightOf(alice), 0, "below min: weight 0");
        assertEq(staking.minerCount(), 1, "one selectable");
        assertEq(staking.totalWeight(), 500e9, "tree total");
    }

    function test_slash_OddAmountRoundsToTreasury() public {
        _becomeCoordinator();
        _stake(alice, 100e18 + 3);
        // 100% of an odd amount: the extra wei goes to the treasury
        vm.expectEmit();
        emit IPohStaking.Slashed(alice, 2, IPohStaking.SlashReason.Liveness, 100e18 + 3, 50e18 + 2, 50e18 + 1);
        staking.slash(alice, 2, IPohStaking.SlashReason.Liveness, 10_000);
        assertEq(staking.totalStakeOf(alice), 0, "emptied");
    }

    function test_slash_ZeroStakeSlashesNothing() public {
        _becomeCoordinator();
        vm.expectEmit();
        emit IPohStaking.Slashed(alice, 3, IPohStaking.SlashReason.Liveness, 0, 0, 0);
        assertEq(staking.slash(alice, 3, IPohStaking.SlashReason.Liveness, 1_000), 0, "nothing");
    }

    function test_slash_RevertWhen_CallerNotCoordinator() public {
        _becomeCoordinator();
        _stake(alice, 100e18);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IPohStaking.NotCoordinator.selector, bob));
        staking.slash(alice, 1, IPohStaking.SlashReason.Liveness, 100);
    }

    function test_slash_RevertWhen_BpsAbove100Percent() public {
        _becomeCoordinator();
        _stake(alice, 100e18);
        vm.expectRevert(abi.encodeWithSelector(PohStaking.InvalidSlashBps.selector, 10_001));
        staking.slash(alice, 1, IPohStaking.SlashReason.Liveness, 10_001);
    }

    // ------------------------------------------------------------- governance

    function test_setCoordinator_SetsOnceAndEmits() public {
        vm.expectEmit();
        emit IPohStaking.CoordinatorSet(address(this));
        vm.prank(admin);
        staking.setCoordinator(address(this));
        assertEq(staking.coordinator(), address(this), "coordinator");
    }

    function test_setCoordinator_RevertWhen_AlreadySet() public {
        _becomeCoordinator();
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IPohStaking.CoordinatorAlreadySet.selector, address(this)));
        staking.setCoordinator(alice);
    }

    function test_setCoordinator_RevertWhen_ZeroAddress() public {
        vm.prank(admin);
        vm.expectRevert(IPohStaking.ZeroAddress.selector);
        staking.setCoordinator(address(0));
    }

    function test_setCoordinator_RevertWhen_CallerNotAdmin() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, adminRole));
        staking.setCoordinator(alice);
    }

    function test_setTreasury_ChangesAndEmits() public {
        vm.expectEmit();
        emit IPohStaking.TreasuryChanged(slashTreasury, alice);
        vm.prank(admin);
        staking.setTreasury(alice);
        assertEq(staking.treasury(), alice, "treasury");
    }

    function test_setTreasury_RevertWhen_ZeroAddress() public {
        vm.prank(admin);
        vm.expectRevert(IPohStaking.ZeroAddress.selector);
        staking.setTreasury(address(0));
    }

    function test_setTreasury_RevertWhen_CallerNotAdmin() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, adminRole));
        staking.setTreasury(alice);
    }

    function test_setMinStake_ChangesAndEmits() public {
        vm.expectEmit();
        emit IPohStaking.ParameterChanged("minStake", MIN_STAKE, 1e27);
        vm.prank(admin);
        staking.setMinStake(1e27);
        assertEq(staking.minStake(), 1e27, "min stake");
    }

    function test_setMinStake_RevertWhen_Zero() public {
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IPohStaking.ParameterOutOfBounds.selector, bytes32("minStake"), 0, 1, 1e27));
        staking.setMinStake(0);
    }

    function test_setMinStake_RevertWhen_AboveMax() public {
        vm.prank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(IPohStaking.ParameterOutOfBounds.selector, bytes32("minStake"), 1e27 + 1, 1, 1e27)
        );
        staking.setMinStake(1e27 + 1);
    }

    function test_setMinStake_RevertWhen_CallerNotGovernor() public {
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, governorRole)
        );
        staking.setMinStake(1);
    }

    function test_setUnbondingPeriod_ChangesAndEmits() public {
        vm.expectEmit();
        emit IPohStaking.ParameterChanged("unbondingPeriod", PERIOD, 1 hours);
        vm.prank(admin);
        staking.setUnbondingPeriod(1 hours);
        assertEq(staking.unbondingPeriod(), 1 hours, "period");
    }

    function test_setUnbondingPeriod_RevertWhen_AboveMax() public {
        vm.prank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPohStaking.ParameterOutOfBounds.selector, bytes32("unbondingPeriod"), 90 days + 1, 1 hours, 90 days
            )
        );
        staking.setUnbondingPeriod(90 days + 1);
    }

    function test_setUnbondingPeriod_RevertWhen_BelowMin() public {
        vm.prank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPohStaking.ParameterOutOfBounds.selector, bytes32("unbondingPeriod"), 1 hours - 1, 1 hours, 90 days
            )
        );
        staking.setUnbondingPeriod(1 hours - 1);
    }

    function test_setUnbondingPeriod_RevertWhen_CallerNotGovernor() public {
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, governorRole)
        );
        staking.setUnbondingPeriod(1 days);
    }

    function test_syncWeights_AppliesChangedMinStake() public {
        _stake(alice, 150e18);
        _stake(bob, 500e18);
        vm.prank(admin);
        staking.setMinStake(200e18);
        assertEq(staking.weightOf(alice), 150e18, "stale until synced");
        address[] memory miners = new address[](3);
        miners[0] = alice;
        miners[1] = bob;
        miners[2] = carol; // never staked: skipped
        staking.syncWeights(miners);
        assertEq(staking.weightOf(alice), 0, "below new min");
        assertEq(staking.weightOf(bob), 500e18, "bob unchanged");
        assertEq(staking.minerCount(), 1, "selectable");
        assertEq(staking.leafCount(), 2, "no leaf for carol");
        vm.prank(admin);
        staking.setMinStake(100e18);
        staking.syncWeights(miners);
        assertEq(staking.weightOf(alice), 150e18, "selectable again");
        assertEq(staking.minerCount(), 2, "selectable");
    }

    // ------------------------------------------------------------------- fuzz

    function testFuzz_drawCommittee_DistinctSelectableMembers(uint256 seed, bytes32 drawSeed, uint8 miners, uint8 size)
        public
    {
        _becomeCoordinator();
        uint256 n = bound(miners, 1, 40);
        uint256 selectable;
        for (uint256 i; i < n; ++i) {
            seed = uint256(keccak256(abi.encode(seed)));
            address m = address(uint160(0x5000 + i));
            _stake(m, MIN_STAKE + (seed % 1_000_000e18));
            // About a third leave the tree again.
            if (seed % 3 == 0) {
                uint256 active = staking.stakeOf(m).active;
                vm.prank(m);
                staking.requestUnbond(active);
            } else {
                ++selectable;
            }
        }
        assertEq(staking.minerCount(), selectable, "selectable count");
        vm.assume(selectable > 0);
        uint256 k = bound(size, 1, selectable);
        address[] memory c = staking.drawCommittee(drawSeed, k);
        assertEq(c.length, k, "size");
        for (uint256 i; i < k; ++i) {
            assertGt(staking.weightOf(c[i]), 0, "member is selectable");
            for (uint256 j; j < i; ++j) assertTrue(c[i] != c[j], "no duplicates");
        }
        vm.expectRevert(abi.encodeWithSelector(IPohStaking.NotEnoughMiners.selector, selectable, selectable + 1));
        staking.drawCommittee(drawSeed, selectable + 1);
    }

    function testFuzz_slash_ConservesTokens(uint256 activeAmt, uint256 unbondAmt, uint256 bps) public {
        _becomeCoordinator();
        activeAmt = bound(activeAmt, MIN_STAKE, 1e27);
        unbondAmt = bound(unbondAmt, 0, activeAmt);
        if (activeAmt - unbondAmt != 0 && activeAmt - unbondAmt < MIN_STAKE) unbondAmt = activeAmt;
        bps = bound(bps, 0, 10_000);
        _stake(alice, activeAmt);
        if (unbondAmt != 0) {
            vm.prank(alice);
            staking.requestUnbond(unbondAmt);
        }
        uint256 supply = token.totalSupply();
        uint256 amount = staking.slash(alice, 1, IPohStaking.SlashReason.Outlier, bps);
        assertEq(amount, (activeAmt * bps) / 10_000, "amount");
        assertEq(staking.totalStakeOf(alice), activeAmt - amount, "stake left");
        assertEq(token.balanceOf(address(staking)), staking.totalStaked(), "held == staked");
        assertEq(token.balanceOf(slashTreasury) + (supply - token.totalSupply()), amount, "treasury + burned");
        assertEq(token.balanceOf(slashTreasury) - (supply - token.totalSupply()), amount % 2, "halves");
        uint256 active = staking.stakeOf(alice).active;
        assertEq(staking.weightOf(alice), active >= MIN_STAKE ? active : 0, "weight rule");
    }
}

/// @dev Drives random stakes, unbonds, withdrawals and slashes for a few miners.
contract StakingHandler {
    PohToken internal immutable _token;
    PohStaking internal immutable _staking;
    address internal immutable _treasury;
    address[] public miners;

    constructor(PohToken token_, PohStaking staking_, address treasury_) {
        _token = token_;
        _staking = staking_;
        _treasury = treasury_;
        for (uint256 i; i < 6; ++i) miners.push(address(uint160(0xBEEF00 + i)));
    }

    function lockedStake(address) external pure returns (uint256) {
        return 0;
    }

    function minerCount() external view returns (uint256) {
        return miners.length;
    }

    function stake(uint256 who, uint256 amount) external {
        address m = miners[who % miners.length];
        amount = 100e18 + (amount % 10_000e18);
        vm.prank(_treasury);
        _token.transfer(m, amount);
        vm.startPrank(m);
        _token.approve(address(_staking), amount);
        _staking.stake(amount);
        vm.stopPrank();
    }

    function unbond(uint256 who, uint256 amount) external {
        address m = miners[who % miners.length];
        uint256 active = _staking.stakeOf(m).active;
        if (active == 0) return;
        amount = 1 + (amount % active);
        if (active - amount != 0 && active - amount < _staking.minStake()) amount = active;
        vm.prank(m);
        _staking.requestUnbond(amount);
    }

    function withdraw(uint256 who, uint256 wait) external {
        address m = miners[who % miners.length];
        if (_staking.stakeOf(m).unbonding == 0) return;
        vm.warp(block.timestamp + (wait % 8 days));
        if (block.timestamp < _staking.stakeOf(m).releaseTime) return;
        vm.prank(m);
        _staking.withdraw();
    }

    function slash(uint256 who, uint256 bps) external {
        _staking.slash(miners[who % miners.length], 1, IPohStaking.SlashReason.Liveness, bps % 10_001);
    }
}

contract PohStakingInvariantTest is TestBase {
    PohToken internal token;
    PohStaking internal staking;
    StakingHandler internal handler;
    address internal admin = makeAddr("admin");
    address internal treasury = makeAddr("treasury");
    address internal slashTreasury = makeAddr("slashTreasury");

    function setUp() public {
        token = new PohToken(admin, treasury);
        staking = new PohStaking(admin, address(token), slashTreasury, 100e18, 7 days);
        handler = new StakingHandler(token, staking, treasury);
        vm.prank(admin);
        staking.setCoordinator(address(handler));
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Tokens held by staking == sum of all stakes; nothing minted or lost.
    function invariant_HeldEqualsStaked() public view {
        uint256 sum;
        for (uint256 i; i < handler.minerCount(); ++i) sum += staking.totalStakeOf(handler.miners(i));
        assertEq(staking.totalStaked(), sum, "totalStaked == sum of stakes");
        assertEq(token.balanceOf(address(staking)), sum, "held == sum of stakes");
    }

    /// Every token that left the treasury is either staked, withdrawn, slashed to the treasury or burned.
    function invariant_Conservation() public view {
        uint256 outside;
        for (uint256 i; i < handler.minerCount(); ++i) outside += token.balanceOf(handler.miners(i));
        uint256 total = token.balanceOf(treasury) + token.balanceOf(slashTreasury) + token.balanceOf(address(staking))
            + outside + token.totalBurned();
        assertEq(total, token.TREASURY_ALLOCATION(), "minted == held + burned");
    }

    /// The tree holds exactly the weights the rule gives.
    function invariant_TreeMatchesWeights() public view {
        uint256 sumWeights;
        uint256 sumActive;
        uint256 selectable;
        for (uint256 i; i < handler.minerCount(); ++i) {
            address m = handler.miners(i);
            uint256 active = staking.stakeOf(m).active;
            uint256 w = staking.weightOf(m);
            assertEq(w, active >= staking.minStake() ? active : 0, "weight rule");
            sumWeights += (w / staking.WEIGHT_UNIT()) * staking.WEIGHT_UNIT();
            sumActive += active;
            if (w != 0) ++selectable;
        }
        assertEq(staking.totalWeight(), sumWeights / staking.WEIGHT_UNIT(), "tree total");
        assertEq(staking.totalActiveStake(), sumActive, "total active");
        assertEq(staking.minerCount(), selectable, "selectable count");
    }
}

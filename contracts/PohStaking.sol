// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IPohStaking} from "./interfaces/IPohStaking.sol";
import {IPohToken} from "./interfaces/IPohToken.sol";
import {IPohCoordinator} from "./interfaces/IPohCoordinator.sol";
import {SortitionSumTree} from "./libraries/SortitionSumTree.sol";

/// @title PohStaking
/// @notice Miners stake POH, request unbonding and withdraw after the unbonding period. Each miner
/// owns one leaf of a sortition sum tree (kept for good; weight 0 when not selectable) whose
/// weight is its active stake (in WEIGHT_UNITs) if that reaches the minimum stake. Committees are drawn from the
/// tree in O(size * log n). Unbonding stake leaves the tree at once but stays slashable, and
/// withdrawals never go below what the coordinator reports as locked by open jobs.
contract PohStaking is IPohStaking, AccessControlDefaultAdminRules {
    using SafeERC20 for IERC20;
    using SortitionSumTree for SortitionSumTree.Tree;

    /// @notice May change minStake and unbondingPeriod.
    bytes32 public constant GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");
    /// @notice Delay before a new default admin can accept the role (two-step admin transfer).
    uint48 public constant ADMIN_TRANSFER_DELAY = 1 days;
    /// @notice Bounds of minStake.
    uint256 public constant MIN_STAKE_LOWER = 1;
    uint256 public constant MIN_STAKE_UPPER = 1e27;
    /// @notice Bounds of unbondingPeriod, in seconds.
    uint256 public constant UNBONDING_PERIOD_LOWER = 1 hours;
    uint256 public constant UNBONDING_PERIOD_UPPER = 90 days;
    /// @notice The default unbonding period (7 days), for deployment scripts.
    uint256 public constant DEFAULT_UNBONDING_PERIOD = 7 days;
    /// @notice The sum tree stores weights in units of 1e9 wei (1 gwei-POH) so that four of them
    /// pack in one slot: the whole supply is 1e19 units, within uint64. A stake's weight is
    /// floor(active / WEIGHT_UNIT); a stake below one unit is not selectable.
    uint256 public constant WEIGHT_UNIT = 1e9;
    uint256 private constant _BPS = 10_000;

    /// @notice The POH token.
    IPohToken public immutable token;

    struct Miner {
        uint256 active;
        uint256 unbonding;
        uint64 releaseTime;
        uint64 leafPlusOne; // 0 = no leaf yet
    }

    address private _treasury;
    address private _coordinator;
    uint256 private _minStake;
    uint256 private _unbondingPeriod;
    uint256 private _totalActive;
    uint256 private _totalStaked;
    uint256 private _selectable; // miners whose leaf has non-zero weight
    mapping(address miner => Miner) private _miners;
    address[] private _leafMiner;
    SortitionSumTree.Tree private _tree;

    /// @notice Thrown by slash() if `bps` exceeds 10000.
    error InvalidSlashBps(uint256 bps);

    modifier onlyCoordinator() {
        // Revert if the caller is not the coordinator.
        if (msg.sender != _coordinator || msg.sender == address(0)) revert NotCoordinator(msg.sender);
        _;
    }

    /// @param admin default admin (sets coordinator and treasury) and first governor
    /// @param token_ the POH token
    /// @param treasury_ receives half of every slash
    /// @param minStake_ minimum active stake to be selectable, 1..1e27 POH wei
    /// @param unbondingPeriod_ seconds from requestUnbond() to withdraw(), 1 hour..90 days (default 7 days)
    constructor(address admin, address token_, address treasury_, uint256 minStake_, uint256 unbondingPeriod_)
        AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin)
    {
        // Revert if the token or the treasury is zero (the admin is checked by AccessControlDefaultAdminRules).
        if (token_ == address(0) || treasury_ == address(0)) revert ZeroAddress();
        // Revert if a parameter is outside its bounds.
        _checkBounds("minStake", minStake_, MIN_STAKE_LOWER, MIN_STAKE_UPPER);
        _checkBounds("unbondingPeriod", unbondingPeriod_, UNBONDING_PERIOD_LOWER, UNBONDING_PERIOD_UPPER);
        token = IPohToken(token_);
        _treasury = treasury_;
        _minStake = minStake_;
        _unbondingPeriod = unbondingPeriod_;
        _grantRole(GOVERNOR_ROLE, admin);
        emit TreasuryChanged(address(0), treasury_);
        emit ParameterChanged("minStake", 0, minStake_);
        emit ParameterChanged("unbondingPeriod", 0, unbondingPeriod_);
    }

    // ------------------------------------------------------------------ miners

    /// @inheritdoc IPohStaking
    function stake(uint256 amount) external {
        // Revert if the amount is zero.
        if (amount == 0) revert ZeroAmount();
        Miner storage m = _miners[msg.sender];
        uint256 active = m.active + amount;
        // Revert if the resulting active stake is below the minimum stake.
        if (active < _minStake) revert BelowMinStake(active, _minStake);

        m.active = active;
        _totalActive += amount;
        _totalStaked += amount;
        _setWeight(msg.sender, m);
        emit Staked(msg.sender, amount, active);

        IERC20(address(token)).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IPohStaking
    function requestUnbond(uint256 amount) external {
        // Revert if the amount is zero.
        if (amount == 0) revert ZeroAmount();
        Miner storage m = _miners[msg.sender];
        uint256 active = m.active;
        // Revert if the amount exceeds the active stake or leaves a dust remainder below the minimum.
        if (amount > active || (active - amount != 0 && active - amount < _minStake)) {
            revert InvalidUnbondAmount(amount, active);
        }

        uint64 releaseTime = uint64(block.timestamp + _unbondingPeriod);
        uint256 unbonding = m.unbonding + amount;
        m.active = active - amount;
        m.unbonding = unbonding;
        m.releaseTime = releaseTime;
        _totalActive -= amount;
        _setWeight(msg.sender, m);
        emit UnbondRequested(msg.sender, amount, unbonding, releaseTime);
    }

    /// @inheritdoc IPohStaking
    /// @dev Withdraws all unbonded stake, or as much of it as keeps active + unbonding at or above
    /// the coordinator's lockedStake(miner); reverts StakeLocked if the lock leaves nothing.
    function withdraw() external {
        Miner storage m = _miners[msg.sender];
        uint256 unbonding = m.unbonding;
        // Revert if nothing is unbonding.
        if (unbonding == 0) revert NothingToWithdraw();
        // Revert if the unbonding period has not elapsed.
        if (block.timestamp < m.releaseTime) revert StillUnbonding(m.releaseTime);
        uint256 locked = _lockedStake(msg.sender);
        uint256 total = m.active + unbonding;
        uint256 amount = total > locked ? total - locked : 0;
        if (amount > unbonding) amount = unbonding;
        // Revert if open jobs lock all of the unbonded stake.
        if (amount == 0) revert StakeLocked(m.active, locked);

        m.unbonding = unbonding - amount;
        _totalStaked -= amount;
        emit Withdrawn(msg.sender, amount);

        IERC20(address(token)).safeTransfer(msg.sender, amount);
    }

    /// @notice Re-applies the minimum-stake rule to the given miners' weights, for anyone to call
    /// after governance changes minStake (weights are otherwise refreshed at each stake change).
    function syncWeights(address[] calldata miners) external {
        for (uint256 i; i < miners.length; ++i) {
            Miner storage m = _miners[miners[i]];
            if (m.leafPlusOne != 0) _setWeight(miners[i], m);
        }
    }

    // ------------------------------------------------------------- coordinator

    /// @inheritdoc IPohStaking
    /// @dev Randomness limits: the coordinator derives `seed` from block.prevrandao and the job
    /// id. prevrandao is known to everyone once the request's block is being built, so a requester
    /// (or a searcher) can compute the committee before sending and choose when to send; the
    /// block proposer sees it earlier still and can bias it by one bit per slot by withholding
    /// the block (at the cost of the block reward). Committees are therefore unpredictable only
    /// to parties who cannot time their requests or propose blocks; colluding miners still need
    /// a quorum of the committee, which stake-weighted selection makes expensive. Reads
    /// O(size * log n) tree nodes and writes nothing.
    function drawCommittee(bytes32 seed, uint256 size)
        external
        view
        onlyCoordinator
        returns (address[] memory members)
    {
        uint256 available = _selectable;
        // Revert if fewer than `size` miners are selectable.
        if (available < size) revert NotEnoughMiners(available, size);
        uint256[] memory leaves = _tree.draw(seed, size);
        members = new address[](size);
        for (uint256 i; i < size; ++i) {
            members[i] = _leafMiner[leaves[i]];
        }
    }

    /// @inheritdoc IPohStaking
    function slash(address miner, uint256 jobId, SlashReason reason, uint256 bps)
        external
        onlyCoordinator
        returns (uint256 amount)
    {
        // Revert if more than 100% is asked for.
        if (bps > _BPS) revert InvalidSlashBps(bps);
        Miner storage m = _miners[miner];
        uint256 active = m.active;
        uint256 unbonding = m.unbonding;
        amount = ((active + unbonding) * bps) / _BPS;
        uint256 fromActive = amount < active ? amount : active;

        m.active = active - fromActive;
        m.unbonding = unbonding - (amount - fromActive);
        _totalActive -= fromActive;
        _totalStaked -= amount;
        if (fromActive != 0) _setWeight(miner, m);
        uint256 burned = amount / 2;
        uint256 toTreasury = amount - burned;
        emit Slashed(miner, jobId, reason, amount, toTreasury, burned);

        if (toTreasury != 0) IERC20(address(token)).safeTransfer(_treasury, toTreasury);
        if (burned != 0) token.burn(burned);
    }

    // -------------------------------------------------------------- governance

    /// @inheritdoc IPohStaking
    function setCoordinator(address coordinator_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        // Revert if the address is zero.
        if (coordinator_ == address(0)) revert ZeroAddress();
        // Revert if the coordinator was already set.
        if (_coordinator != address(0)) revert CoordinatorAlreadySet(_coordinator);
        _coordinator = coordinator_;
        emit CoordinatorSet(coordinator_);
    }

    /// @inheritdoc IPohStaking
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        // Revert if the address is zero.
        if (treasury_ == address(0)) revert ZeroAddress();
        address old = _treasury;
        _treasury = treasury_;
        emit TreasuryChanged(old, treasury_);
    }

    /// @inheritdoc IPohStaking
    /// @dev Existing weights follow at each miner's next stake change or through syncWeights().
    function setMinStake(uint256 value) external onlyRole(GOVERNOR_ROLE) {
        // Revert if the value is outside its bounds.
        _checkBounds("minStake", value, MIN_STAKE_LOWER, MIN_STAKE_UPPER);
        uint256 old = _minStake;
        _minStake = value;
        emit ParameterChanged("minStake", old, value);
    }

    /// @inheritdoc IPohStaking
    /// @dev Applies to later unbonding requests; pending release times are kept.
    function setUnbondingPeriod(uint256 value) external onlyRole(GOVERNOR_ROLE) {
        // Revert if the value is outside its bounds.
        _checkBounds("unbondingPeriod", value, UNBONDING_PERIOD_LOWER, UNBONDING_PERIOD_UPPER);
        uint256 old = _unbondingPeriod;
        _unbondingPeriod = value;
        emit ParameterChanged("unbondingPeriod", old, value);
    }

    // ------------------------------------------------------------------- views

    /// @inheritdoc IPohStaking
    function stakeOf(address miner) external view returns (StakeInfo memory) {
        Miner storage m = _miners[miner];
        return StakeInfo({
            active: m.active, unbonding: m.unbonding, releaseTime: m.releaseTime, locked: _lockedStake(miner)
        });
    }

    /// @inheritdoc IPohStaking
    function totalStakeOf(address miner) external view returns (uint256) {
        Miner storage m = _miners[miner];
        return m.active + m.unbonding;
    }

    /// @inheritdoc IPohStaking
    /// @dev The weight the miner has in the tree now (see setMinStake about a changed minimum).
    function weightOf(address miner) external view returns (uint256) {
        Miner storage m = _miners[miner];
        uint256 leafPlusOne = m.leafPlusOne;
        return leafPlusOne == 0 || _tree.weightOf(leafPlusOne - 1) == 0 ? 0 : m.active;
    }

    /// @inheritdoc IPohStaking
    function totalActiveStake() external view returns (uint256) {
        return _totalActive;
    }

    /// @inheritdoc IPohStaking
    function totalStaked() external view returns (uint256) {
        return _totalStaked;
    }

    /// @inheritdoc IPohStaking
    /// @dev Counts the miners with non-zero weight, i.e. those drawCommittee() can select.
    function minerCount() external view returns (uint256) {
        return _selectable;
    }

    /// @notice Miners that ever staked (leaves in the sum tree, never removed).
    function leafCount() external view returns (uint256) {
        return _tree.leafCount;
    }

    /// @notice Sum of all weights in the tree, in WEIGHT_UNITs (what drawCommittee() samples from).
    function totalWeight() external view returns (uint256) {
        return _tree.total();
    }

    /// @inheritdoc IPohStaking
    function minStake() external view returns (uint256) {
        return _minStake;
    }

    /// @inheritdoc IPohStaking
    function unbondingPeriod() external view returns (uint256) {
        return _unbondingPeriod;
    }

    /// @inheritdoc IPohStaking
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IPohStaking
    function coordinator() external view returns (address) {
        return _coordinator;
    }

    // ---------------------------------------------------------------- internal

    /// @dev Puts the miner's weight in the tree (creating its leaf on first use) and keeps the
    /// count of selectable miners.
    function _setWeight(address miner, Miner storage m) internal {
        uint256 active = m.active;
        uint256 weight = active >= _minStake ? active / WEIGHT_UNIT : 0;
        uint256 leafPlusOne = m.leafPlusOne;
        uint256 old;
        if (leafPlusOne == 0) {
            uint256 leaf = _tree.append(weight);
            m.leafPlusOne = uint64(leaf + 1);
            _leafMiner.push(miner);
        } else {
            old = _tree.weightOf(leafPlusOne - 1);
            _tree.set(leafPlusOne - 1, weight);
        }
        if (old == 0 && weight != 0) ++_selectable;
        else if (old != 0 && weight == 0) --_selectable;
    }

    /// @dev What open jobs could still slash, as reported by the coordinator (0 before it is set).
    function _lockedStake(address miner) internal view returns (uint256) {
        address c = _coordinator;
        return c == address(0) ? 0 : IPohCoordinator(c).lockedStake(miner);
    }

    function _checkBounds(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert ParameterOutOfBounds(name, value, min, max);
    }
}

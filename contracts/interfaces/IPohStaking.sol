// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPohStaking
/// @notice Miners stake POH, request unbonding and withdraw after the unbonding period. Active
/// stake above the minimum sits in a sortition sum tree from which committees are drawn with
/// probability proportional to stake, without replacement, in O(log n). Stake stays slashable
/// while unbonding; a miner on open committees cannot withdraw below what those jobs could slash
/// (the coordinator reports that amount through `lockedStake`).
interface IPohStaking {
    /// @notice Why a miner was slashed.
    enum SlashReason {
        Liveness, // did not commit or did not reveal
        Outlier // revealed a score outside tolerance on a final job
    }

    /// @notice A miner's stake. `active` is selectable; `unbonding` is leaving but still slashable.
    struct StakeInfo {
        uint256 active;
        uint256 unbonding;
        uint64 releaseTime; // when `unbonding` can be withdrawn
        uint256 locked; // what open jobs could still slash (from the coordinator)
    }

    /// @notice Thrown by the constructor, setCoordinator() or setTreasury() if an address is zero.
    error ZeroAddress();
    /// @notice Thrown by stake(), requestUnbond() if the amount is zero.
    error ZeroAmount();
    /// @notice Thrown by stake() if the resulting active stake is below the minimum stake.
    error BelowMinStake(uint256 active, uint256 minStake);
    /// @notice Thrown by requestUnbond() if the amount exceeds the active stake, or leaves a
    /// non-zero remainder below the minimum stake.
    error InvalidUnbondAmount(uint256 requested, uint256 active);
    /// @notice Thrown by withdraw() if nothing has finished unbonding.
    error NothingToWithdraw();
    /// @notice Thrown by withdraw() if the unbonding period has not elapsed.
    error StillUnbonding(uint64 releaseTime);
    /// @notice Thrown by withdraw() if the withdrawal would leave less than the locked stake.
    error StakeLocked(uint256 remaining, uint256 locked);
    /// @notice Thrown by drawCommittee() if fewer than `size` miners have selectable stake.
    error NotEnoughMiners(uint256 available, uint256 size);
    /// @notice Thrown by a parameter setter if the value is outside its bounds.
    error ParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);
    /// @notice Thrown by setCoordinator() if the coordinator was already set.
    error CoordinatorAlreadySet(address coordinator);
    /// @notice Thrown by drawCommittee() and slash() if the caller is not the coordinator.
    error NotCoordinator(address caller);

    /// @notice Emitted when a miner stakes.
    event Staked(address indexed miner, uint256 amount, uint256 activeStake);
    /// @notice Emitted when a miner requests unbonding; `releaseTime` applies to all of `unbonding`.
    event UnbondRequested(address indexed miner, uint256 amount, uint256 unbonding, uint64 releaseTime);
    /// @notice Emitted when a miner withdraws unbonded stake.
    event Withdrawn(address indexed miner, uint256 amount);
    /// @notice Emitted when a miner is slashed: half of `amount` goes to the treasury, half is burned.
    event Slashed(
        address indexed miner,
        uint256 indexed jobId,
        SlashReason reason,
        uint256 amount,
        uint256 toTreasury,
        uint256 burned
    );
    /// @notice Emitted when a governance parameter changes.
    event ParameterChanged(bytes32 indexed name, uint256 oldValue, uint256 newValue);
    /// @notice Emitted when the treasury changes.
    event TreasuryChanged(address indexed oldTreasury, address indexed newTreasury);
    /// @notice Emitted once, when the coordinator is set.
    event CoordinatorSet(address indexed coordinator);

    function stake(uint256 amount) external;
    function requestUnbond(uint256 amount) external;
    function withdraw() external;

    /// @notice Draws `size` distinct miners, probability proportional to active stake. Coordinator only.
    function drawCommittee(bytes32 seed, uint256 size) external view returns (address[] memory members);

    /// @notice Slashes `bps` basis points of the miner's total (active + unbonding) stake.
    /// Coordinator only. Returns the amount slashed.
    function slash(address miner, uint256 jobId, SlashReason reason, uint256 bps) external returns (uint256);

    function setCoordinator(address coordinator) external;
    function setTreasury(address treasury) external;
    function setMinStake(uint256 value) external;
    function setUnbondingPeriod(uint256 value) external;

    function stakeOf(address miner) external view returns (StakeInfo memory);
    /// @notice active + unbonding stake of one miner (what a slash is computed on). Does not call
    /// the coordinator, so the coordinator can use it inside lockedStake().
    function totalStakeOf(address miner) external view returns (uint256);
    /// @notice The miner's selectable stake (active stake if >= minStake, else 0).
    function weightOf(address miner) external view returns (uint256);
    function totalActiveStake() external view returns (uint256);
    /// @notice Sum of active + unbonding stake held for all miners.
    function totalStaked() external view returns (uint256);
    function minerCount() external view returns (uint256);
    function minStake() external view returns (uint256);
    function unbondingPeriod() external view returns (uint256);
    function treasury() external view returns (address);
    function coordinator() external view returns (address);
}

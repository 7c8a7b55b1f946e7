// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPohCoordinator
/// @notice The job lifecycle: fee escrow, committee selection, commit-reveal, quorum with
/// tolerance, rewards (credited, pulled by `withdraw`), slashing, refunds and consumer callbacks.
///
/// Lifecycle of job J requested at block R:
///  - commit phase: blocks R+1 .. commitDeadline; ends early when every member committed.
///  - reveal phase: from the end of the commit phase to revealDeadline; ends early when every
///    committed member revealed (the last reveal finalises the job in the same call).
///  - after revealDeadline anyone may call finalize() (>= quorum reveals) or expire() (fewer).
interface IPohCoordinator {
    enum JobStatus {
        None,
        Pending, // committing or revealing
        Final, // quorum agreed; result and verdict set
        Failed // refunded; see FailureReason
    }

    enum FailureReason {
        None,
        Expired, // fewer than quorum members revealed by the deadline
        NoAgreement, // enough reveals but fewer than quorum within tolerance of the median
        InputInvalid // at least quorum members revealed 65535 (input unavailable or invalid)
    }

    /// @notice What happened to one committee member when its job ended.
    enum MemberOutcome {
        Agreed, // within tolerance of the median of a final job: paid, earns work points
        Outlier, // revealed outside tolerance (or 65535) on a final job: slashed
        NoCommit, // never committed: slashed (liveness)
        NoReveal, // committed but never revealed a matching score: slashed (liveness)
        Unscored // revealed on a job that failed: neither paid nor slashed
    }

    struct Job {
        address requester;
        uint32 modelId;
        JobStatus status;
        FailureReason failure;
        uint8 committeeSize;
        uint8 quorum;
        uint8 commitCount;
        uint8 revealCount;
        uint16 result; // median scoreBps when Final
        bool verdict; // result >= thresholdBps when Final
        uint64 requestBlock;
        uint64 commitDeadline;
        uint64 revealDeadline;
        uint64 finalBlock;
        address callback;
        uint32 callbackGasLimit;
        uint128 fee;
        bytes32 inputHash;
        address[] committee;
    }

    /// @notice Governance parameters. Each setter checks bounds and emits ParameterChanged.
    struct Params {
        uint8 committeeSize; // default 5, bounds 1..15
        uint8 quorum; // default floor(N/2)+1; must satisfy N/2 < quorum <= N
        uint16 toleranceBps; // default 500, bounds 0..5000
        uint16 thresholdBps; // default 5000, bounds 1..10000
        uint16 protocolFeeBps; // default 500 (5%), bounds 0..2000
        uint16 proposerBonusBps; // share of the net fee for the proposer, default 1000, bounds 0..5000
        uint16 livenessPenaltyBps; // of stake, default 100 (1%), bounds 0..2000
        uint16 outlierPenaltyBps; // of stake, default 300 (3%), bounds 0..2000
        uint32 commitWindow; // blocks, default 10, bounds 1..10000
        uint32 revealWindow; // blocks, default 10, bounds 1..10000
        uint32 maxCallbackGas; // default 500000, bounds 0..5000000
        uint128 minFee; // wei, default 0.0001 ether, bounds 0..100 ether
    }

    struct MinerStats {
        uint32 served; // jobs it sat on that ended
        uint32 agreed;
        uint32 livenessFaults;
        uint32 outlierFaults;
        uint32 openJobs; // committees it sits on that have not ended
    }

    // ---------------------------------------------------------------- errors
    /// @notice Thrown by requestVerification() if the fee is below the minimum fee.
    error FeeTooLow(uint256 fee, uint256 minFee);
    /// @notice Thrown by requestVerification() if the model does not exist or is retired.
    error ModelNotActive(uint32 modelId);
    /// @notice Thrown by requestVerification() if inputHash is zero or inputURI is empty/too long.
    error InvalidInput();
    /// @notice Thrown by requestVerification() if callbackGasLimit exceeds the cap, or is set
    /// without a callback.
    error CallbackGasTooHigh(uint32 requested, uint32 max);
    /// @notice Thrown by commit(), reveal(), finalize(), expire(), getJob() if the job does not exist.
    error UnknownJob(uint256 jobId);
    /// @notice Thrown by commit() and reveal() if the caller is not on the job's committee.
    error NotCommitteeMember(uint256 jobId, address caller);
    /// @notice Thrown by commit() if the commit phase is over (deadline passed or job ended).
    error CommitPhaseOver(uint256 jobId);
    /// @notice Thrown by commit() if the member already committed.
    error AlreadyCommitted(uint256 jobId, address miner);
    /// @notice Thrown by commit() if the commitment is zero.
    error EmptyCommitment();
    /// @notice Thrown by reveal() if the reveal phase has not started.
    error RevealPhaseNotStarted(uint256 jobId);
    /// @notice Thrown by reveal() if the reveal phase is over (deadline passed or job ended).
    error RevealPhaseOver(uint256 jobId);
    /// @notice Thrown by reveal() if the member did not commit.
    error NotCommitted(uint256 jobId, address miner);
    /// @notice Thrown by reveal() if the member already revealed.
    error AlreadyRevealed(uint256 jobId, address miner);
    /// @notice Thrown by reveal() if scoreBps is neither 0..10000 nor 65535.
    error InvalidScore(uint16 scoreBps);
    /// @notice Thrown by the batch calls if the array lengths differ or are zero.
    error LengthMismatch();
    /// @notice Thrown by revealBatchRoot() if the caller never committed exactly these job ids and
    /// commitments, in this order, with commitBatchRoot().
    error UnknownCommitRoot();
    /// @notice Thrown by reveal()/revealBatch() for a member that committed with
    /// commitBatchRoot(), and by revealBatchRoot() for one that committed with commit()/commitBatch().
    error WrongRevealPath(uint256 jobId, address miner);
    /// @notice Thrown by requestVerificationBatch() if msg.value is not a multiple of the number of jobs.
    error FeeNotDivisible(uint256 value, uint256 jobs);
    /// @notice Thrown by requestVerificationBatch() if the batch has more than MAX_REQUEST_BATCH jobs.
    error BatchTooLarge(uint256 jobs, uint256 max);
    /// @notice Thrown by finalize() if the job cannot be finalised yet (reveal phase open) or
    /// has fewer than quorum reveals (use expire()).
    error NotFinalizable(uint256 jobId);
    /// @notice Thrown by expire() if the deadline has not passed or the job has a quorum of reveals.
    error NotExpirable(uint256 jobId);
    /// @notice Thrown by finalize() and expire() if the job already ended.
    error JobAlreadyEnded(uint256 jobId);
    /// @notice Thrown by withdraw() if the caller has nothing to withdraw.
    error NothingToWithdraw();
    /// @notice Thrown by withdraw() if sending the native coin fails.
    error TransferFailed(address to, uint256 amount);
    /// @notice Thrown by the constructor or setTreasury() if an address is zero.
    error ZeroAddress();
    /// @notice Thrown by a parameter setter if the value is outside its bounds.
    error ParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);

    // ---------------------------------------------------------------- events
    /// @notice Emitted when an integrator requests verification; the committee is drawn here.
    event JobRequested(
        uint256 indexed jobId,
        address indexed requester,
        uint32 indexed modelId,
        bytes32 inputHash,
        string inputURI,
        uint256 fee,
        address[] committee,
        uint8 quorum,
        uint64 commitDeadline,
        uint64 revealDeadline,
        address callback,
        uint32 callbackGasLimit
    );
    /// @notice Emitted once per commit() or commitBatch() call: `miner` committed
    /// `commitments[i]` for job `jobIds[i]` (one event per transaction, not per job, for gas).
    event Committed(address indexed miner, uint256[] jobIds, bytes32[] commitments);
    /// @notice Emitted once per reveal() or revealBatch() call, with the reveals that matched their
    /// commitments (`miner` revealed `scoresBps[i]` for job `jobIds[i]`), before any job they
    /// complete is settled. Not emitted if no reveal of the call matched.
    event Revealed(address indexed miner, uint256[] jobIds, uint16[] scoresBps);
    /// @notice Emitted when a reveal does not match the commitment; it counts as no reveal
    /// (the member may still reveal correctly before the deadline).
    event RevealMismatched(uint256 indexed jobId, address indexed miner);
    /// @notice Emitted when a job becomes final. One event settles the whole committee:
    /// `members` holds one packed word per member, in committee order: the miner in bits 0-159,
    /// its MemberOutcome in bits 160-167 and its trust multiplier after this job (10000..30000
    /// bps) in bits 168-183. An Agreed member is credited `reward` in native coin (the proposer
    /// `reward + proposerBonus`) and earns work points equal to its trust multiplier in emission
    /// epoch `epoch`; Outlier, NoCommit and NoReveal members are slashed.
    event JobFinalized(
        uint256 indexed jobId,
        uint16 result,
        bool verdict,
        address indexed proposer,
        uint8 agreeCount,
        uint256 protocolFee,
        uint256 reward,
        uint256 proposerBonus,
        uint256 epoch,
        uint256[] members
    );
    /// @notice Emitted when a job fails or expires; `refund` is credited to the requester.
    /// `members` is packed as in JobFinalized (every member that revealed is Unscored; NoCommit
    /// and NoReveal members are slashed).
    event JobFailed(uint256 indexed jobId, FailureReason reason, uint256 refund, uint256[] members);
    /// @notice Emitted when a consumer callback succeeds.
    event CallbackDelivered(uint256 indexed jobId, address indexed callback);
    /// @notice Emitted when a consumer callback reverts or runs out of gas; finalisation stands.
    event CallbackFailed(uint256 indexed jobId, address indexed callback, bytes reason);
    /// @notice Emitted when an account pulls its credited native coin (rewards, refunds, protocol fees).
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice Emitted when a governance parameter changes.
    event ParameterChanged(bytes32 indexed name, uint256 oldValue, uint256 newValue);
    /// @notice Emitted when the treasury changes.
    event TreasuryChanged(address indexed oldTreasury, address indexed newTreasury);

    // ---------------------------------------------------------------- integrators
    /// @notice Escrows msg.value as the fee and draws a committee. Returns the job id (1, 2, ...).
    function requestVerification(
        uint32 modelId,
        bytes32 inputHash,
        string calldata inputURI,
        address callback,
        uint32 callbackGasLimit
    ) external payable returns (uint256 jobId);
    /// @notice Requests many verifications in one transaction: msg.value is split into equal fees
    /// (it must be a multiple of the number of jobs), all jobs share the model and the callback.
    /// Job ids are firstJobId, firstJobId + 1, ...; each job gets its own committee and event.
    function requestVerificationBatch(
        uint32 modelId,
        bytes32[] calldata inputHashes,
        string[] calldata inputURIs,
        address callback,
        uint32 callbackGasLimit
    ) external payable returns (uint256 firstJobId);

    // ---------------------------------------------------------------- miners
    /// @notice commitment = keccak256(abi.encode(jobId, miner, scoreBps, salt)).
    function commit(uint256 jobId, bytes32 commitment) external;
    /// @notice Commits to many jobs in one transaction.
    function commitBatch(uint256[] calldata jobIds, bytes32[] calldata commitments) external;
    function reveal(uint256 jobId, uint16 scoreBps, bytes32 salt) external;
    /// @notice Reveals for many jobs in one transaction.
    function revealBatch(uint256[] calldata jobIds, uint16[] calldata scoresBps, bytes32[] calldata salts) external;
    /// @notice Commits to many jobs in one transaction, storing one word for the whole batch (a
    /// hash of the caller, the job ids and the commitments) instead of one commitment per job:
    /// about 5,000 gas less per job. Reveal these jobs with revealBatchRoot().
    function commitBatchRoot(uint256[] calldata jobIds, bytes32[] calldata commitments) external;
    /// @notice Reveals jobs committed with commitBatchRoot(): `jobIds` and `commitments` are exactly
    /// that call's arrays; job i is revealed with (scoresBps[i], salts[i]), or left out of this call
    /// if scoresBps[i] is SKIP_SCORE (65534), so a batch can be revealed in several calls.
    function revealBatchRoot(
        uint256[] calldata jobIds,
        bytes32[] calldata commitments,
        uint16[] calldata scoresBps,
        bytes32[] calldata salts
    ) external;

    // ---------------------------------------------------------------- anyone
    function finalize(uint256 jobId) external;
    function expire(uint256 jobId) external;
    /// @notice Sends the caller everything credited to it (rewards, refunds, protocol fees).
    function withdraw() external;

    // ---------------------------------------------------------------- governance (GOVERNOR_ROLE)
    /// @notice Sets the committee size and quorum together (quorum 0 means floor(N/2)+1).
    function setCommittee(uint8 committeeSize, uint8 quorum) external;
    function setToleranceBps(uint16 value) external;
    function setThresholdBps(uint16 value) external;
    function setProtocolFeeBps(uint16 value) external;
    function setProposerBonusBps(uint16 value) external;
    function setPenalties(uint16 livenessPenaltyBps, uint16 outlierPenaltyBps) external;
    function setWindows(uint32 commitWindow, uint32 revealWindow) external;
    function setMaxCallbackGas(uint32 value) external;
    function setMinFee(uint128 value) external;
    function setTreasury(address treasury) external;
    /// @notice Pauses new requests (PAUSER_ROLE). Commit, reveal, finalize, expire and withdraw
    /// keep working so that nothing in flight is locked.
    function pause() external;
    function unpause() external;

    // ---------------------------------------------------------------- views
    function getParams() external view returns (Params memory);
    function treasury() external view returns (address);
    function getJob(uint256 jobId) external view returns (Job memory);
    function jobCount() external view returns (uint256);
    /// @notice Member state: committed, revealed, revealed score (valid only if revealed).
    function getMember(uint256 jobId, address miner)
        external
        view
        returns (bool isMember, bool committed, bool revealed, uint16 scoreBps);
    function minerStats(address miner) external view returns (MinerStats memory);
    /// @notice Trust multiplier in bps (10000 = 1.0x .. 30000 = 3.0x): grows with log2 of agreed
    /// jobs, cut for good by each fault.
    function trustMultiplierBps(address miner) external view returns (uint256);
    /// @notice Stake that the miner's open jobs could still slash; the staking contract refuses
    /// withdrawals that would go below it.
    function lockedStake(address miner) external view returns (uint256);
    function claimable(address account) external view returns (uint256);
    /// @notice Sum of fees of jobs not yet ended.
    function totalEscrowed() external view returns (uint256);
    /// @notice Sum of all credited, not yet withdrawn balances.
    function totalClaimable() external view returns (uint256);
    /// @notice The score that means "input unavailable or invalid".
    function INVALID_SCORE() external view returns (uint16);
}

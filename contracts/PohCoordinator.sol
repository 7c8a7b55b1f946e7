// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IPohCoordinator} from "./interfaces/IPohCoordinator.sol";
import {IPohStaking} from "./interfaces/IPohStaking.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IPohEmission} from "./interfaces/IPohEmission.sol";
import {IPohConsumer} from "./interfaces/IPohConsumer.sol";
import {TrustMath} from "./libraries/TrustMath.sol";
import {PohMath} from "./libraries/PohMath.sol";

/// @title PohCoordinator
/// @notice The job lifecycle of PoH Network: fee escrow, committee draw, commit-reveal, quorum
/// with tolerance around the median, pull-based rewards and refunds, slashing and callbacks.
/// @dev Gas: jobs live in a ring of `jobSlots` storage records (job id mod jobSlots), so once
/// the ring has wrapped a new job overwrites the words of a long-ended one (about 5,000 gas per
/// word instead of 22,100 for a fresh slot). A record is a head word (requester, fee), a phase
/// word (job id tag, blocks, windows, status, sizes, model, outcome), a callback word (only with
/// a callback), the input hash, one member word per five members (28-bit miner id, revealed
/// score, reveal order, commit flag) and one commitment word per member. Commit and reveal counts
/// are not stored: they are counted from the member words, which every commit and reveal reads
/// anyway. When a job ends its status, failure, result and verdict are also written to a
/// permanent table (thirteen jobs per word), so getJob still answers those four fields after the
/// ring has reused the job's record; its other fields are then zero (the events keep them).
/// A request reverts with JobSlotBusy if its record still holds a pending job: with the 65,536
/// records deploy/ uses, that takes 65,536 unfinished jobs. Settlement uses the parameters in
/// force when the job ends (committee size and quorum are fixed per job at request time). Even
/// committees and even reveal counts take the lower middle value as the median, so the result is
/// always a score some member revealed.
///
/// Randomness: the committee seed is keccak256(prevrandao, jobId). prevrandao is known to the
/// block proposer before it proposes and can be biased by one bit per slot (by withholding the
/// block), and a requester sees it before its transaction lands when it is included in the next
/// block. It is good enough to stop a miner from choosing its jobs, not against a colluding
/// proposer; see the README for the limits.
contract PohCoordinator is IPohCoordinator, AccessControlDefaultAdminRules, Pausable, ReentrancyGuardTransient {
    // ------------------------------------------------------------------ constants
    /// @notice Role allowed to change parameters and the treasury.
    bytes32 public constant GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");
    /// @notice Role allowed to pause and unpause new requests.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @inheritdoc IPohCoordinator
    uint16 public constant INVALID_SCORE = 65535;
    /// @notice Highest valid score (probability of human x 10000).
    uint16 public constant MAX_SCORE = 10_000;
    /// @notice A revealBatchRoot score that leaves its job out of the call.
    uint16 public constant SKIP_SCORE = 65534;
    /// @notice Largest committee (the member index fits in 4 bits).
    uint8 public constant MAX_COMMITTEE_SIZE = 15;
    /// @notice Most jobs in one requestVerificationBatch.
    uint256 public constant MAX_REQUEST_BATCH = 100;
    /// @notice Longest accepted input URI, in bytes.
    uint256 public constant MAX_INPUT_URI_BYTES = 2048;
    /// @notice Gas kept back, on top of the callback gas, for the call itself and the event after it.
    uint256 public constant CALLBACK_GAS_RESERVE = 15_000;
    /// @notice Delay before a new default admin can accept the role (two-step admin transfer).
    uint48 public constant ADMIN_TRANSFER_DELAY = 1 days;

    uint256 private constant _BPS = 10_000;
    /// @dev Revert data of a failed callback is cut to this many bytes (a consumer cannot make
    /// the coordinator pay for copying a huge revert reason).
    uint256 private constant _MAX_REASON_BYTES = 256;
    /// @dev Encoded score of a 65535 reveal in a member entry (0 = not revealed, else score + 1).
    uint256 private constant _ENC_INVALID = 0xFFFF;
    uint256 private constant _MEMBERS_PER_WORD = 5;
    uint256 private constant _ID_SHIFT = 20;
    uint256 private constant _MAX_MINER_ID = (1 << 28) - 1;

    /// @notice Largest job ring (constructor bound).
    uint256 public constant MAX_JOB_SLOTS = 1 << 32;
    /// @dev Phase word: job id tag in bits 0-47, then these offsets.
    uint256 private constant _ID_MASK = (1 << 48) - 1;
    uint256 private constant _P_REQ = 48; // request block, 40 bits
    uint256 private constant _P_CW = 88; // commit window, 16 bits
    uint256 private constant _P_RW = 104; // reveal window, 16 bits
    uint256 private constant _P_STATUS = 120; // 8 bits
    uint256 private constant _P_FAIL = 128; // 8 bits
    uint256 private constant _P_SIZE = 136; // 8 bits
    uint256 private constant _P_QUORUM = 144; // 8 bits
    uint256 private constant _P_MODEL = 152; // 32 bits
    uint256 private constant _P_CB = 184; // has a callback, 8 bits
    uint256 private constant _P_FINAL = 192; // final block, 40 bits
    uint256 private constant _P_RESULT = 232; // 16 bits
    uint256 private constant _P_VERDICT = 248; // 8 bits
    /// @dev Keeps everything but status, failure, final block, result and verdict.
    uint256 private constant _SETTLE_CLEAR = ~((uint256(0xFFFF) << 120) | (type(uint256).max << 192));
    /// @dev Member i's commit flag is bit _FLAG_SHIFT + i % 5 of its member word.
    uint256 private constant _FLAG_SHIFT = 240;
    /// @dev Set with the commit flag when member i committed through commitBatchRoot.
    uint256 private constant _ROOT_FLAG_SHIFT = 245;
    /// @dev The permanent outcome table packs 13 jobs of 19 bits per word (a result is at most
    /// 10,000, so 14 bits).
    uint256 private constant _OUTCOMES_PER_WORD = 13;
    uint256 private constant _OUTCOME_BITS = 19;
    /// @dev Bit offsets of the Params fields settlement reads, in the first Params word.
    uint256 private constant _PARAM_TOLERANCE = 16;
    uint256 private constant _PARAM_THRESHOLD = 32;
    uint256 private constant _PARAM_PROTOCOL_FEE = 48;
    uint256 private constant _PARAM_PROPOSER_BONUS = 64;
    uint256 private constant _PARAM_LIVENESS_PENALTY = 80;
    uint256 private constant _PARAM_OUTLIER_PENALTY = 96;
    /// @dev Bit offsets of the MinerStore counters in its word.
    uint256 private constant _M_SERVED = 32;
    uint256 private constant _M_AGREED = 64;
    uint256 private constant _M_LIVENESS = 96;
    uint256 private constant _M_OUTLIER = 128;
    uint256 private constant _M_OPEN = 160;
    /// @dev Transient queue of work points for the emission contract, flushed once per
    /// transaction: distinct miners at _T_WORK, final jobs at _T_WORK + 1, the miners (address |
    /// id << 160) from _T_WORK + _T_LIST, each miner id's points at _T_WORK + _T_POINTS + id.
    /// keccak256("PohCoordinator.workQueue") (a literal: inline assembly only takes number constants).
    uint256 private constant _T_WORK = 0xbc0c738a3463732b96d663213079a48abfa0af1bd9e306429a8676d6da03f8a9;
    uint256 private constant _T_LIST = 2;
    uint256 private constant _T_POINTS = 1 << 64;

    // ------------------------------------------------------------------ errors (additions)
    /// @notice Thrown by requestVerification() if the fee does not fit in 96 bits.
    error FeeTooHigh(uint256 fee, uint256 max);
    /// @notice Thrown by requestVerification() if the 2^28 - 1 miner ids are used up.
    error MinerIdsExhausted();
    /// @notice Thrown by requestVerification() if the 2^48 - 1 job ids are used up.
    error JobIdsExhausted();
    /// @notice Thrown by requestVerification() if the ring slot of the new job still holds a
    /// pending job (finalise or expire that job first, or wait until it ends).
    error JobSlotBusy(uint256 jobId, uint256 pendingJobId);
    /// @notice Thrown by finalize() and the last reveal if the transaction did not bring enough gas
    /// to give the consumer callback its full callbackGasLimit (EIP-150 keeps 1/64 back).
    error InsufficientGasForCallback(uint256 jobId, uint256 gasLeft, uint256 required);

    // ------------------------------------------------------------------ types
    /// @dev One ring record. Word 0 `head`: requester (bits 0-159) and fee (160-255). Word 1
    /// `phase`: see the _P_* offsets. Word 2 `callbackWord`: callback (0-159) and its gas limit
    /// (160-191), written only for a job with a callback. Words 4..6: member i at bits
    /// [48*(i%5), 48*(i%5)+48) of word i/5 (bits 0-15 the encoded revealed score, 0 = not
    /// revealed; 16-19 its place in reveal order; 20-47 the miner id) and its commit flag at bit
    /// 240 + i%5. Words 7..21: the members' commitments.
    struct JobStore {
        uint256 head;
        uint256 phase;
        uint256 callbackWord;
        bytes32 inputHash;
        uint256[3] members;
        bytes32[15] commitments;
    }

    /// @dev One word per miner: its id in committees and its reputation counters.
    struct MinerStore {
        uint32 id;
        uint32 served;
        uint32 agreed;
        uint32 livenessFaults;
        uint32 outlierFaults;
        uint32 openJobs;
    }

    /// @dev What every job of one request shares.
    struct RequestTerms {
        uint32 modelId;
        address callback;
        uint32 callbackGasLimit;
        uint256 fee;
    }

    // ------------------------------------------------------------------ immutables
    IPohStaking private immutable _staking;
    IModelRegistry private immutable _registry;
    IPohEmission private immutable _emission;
    /// @notice Number of job records in the ring; job j lives in record j % jobSlots.
    uint256 public immutable jobSlots;
    /// @dev The emission contract's epoch clock, so JobFinalized can name the epoch of its points.
    uint256 private immutable _emissionGenesis;
    uint256 private immutable _epochLength;

    // ------------------------------------------------------------------ storage
    Params private _params;
    address private _treasury;
    uint64 private _jobCount;
    uint32 private _minerCount;
    uint128 private _totalEscrowed;
    uint128 private _totalClaimable;
    mapping(uint256 slot => JobStore) private _jobs;
    /// @dev Outcome of ended jobs, thirteen per word: 19 bits at (jobId % 13) * 19 of word jobId / 13:
    /// status (bits 0-1), failure (2-3), verdict (4), result (5-18).
    mapping(uint256 word => uint256) private _outcomes;
    mapping(address miner => MinerStore) private _miners;
    mapping(uint32 id => address miner) private _minerById;
    mapping(address account => uint256 amount) private _claimable;
    /// @dev keccak256(abi.encode(miner, jobIds, commitments)) of every commitBatchRoot call.
    mapping(bytes32 root => bool) private _commitRoots;

    // ------------------------------------------------------------------ constructor
    /// @param admin default admin; also gets GOVERNOR_ROLE and PAUSER_ROLE
    /// @param staking_ the PohStaking contract (committee draws, stakes, slashing)
    /// @param registry_ the ModelRegistry
    /// @param emission_ the PohEmission contract (work points)
    /// @param treasury_ receives protocol fees
    /// @param jobSlots_ records in the job ring (1..2^32): the most jobs that can be pending at
    /// once, and how many recent jobs getJob reports in full (65,536 in deploy/)
    constructor(
        address admin,
        address staking_,
        address registry_,
        address emission_,
        address treasury_,
        uint256 jobSlots_
    ) AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin) {
        // Revert if any address is zero (the admin is checked by AccessControlDefaultAdminRules).
        if (staking_ == address(0) || registry_ == address(0) || emission_ == address(0) || treasury_ == address(0)) {
            revert ZeroAddress();
        }
        // Revert if the ring size is outside 1..2^32.
        _checkBounds("jobSlots", jobSlots_, 1, MAX_JOB_SLOTS);
        jobSlots = jobSlots_;
        _staking = IPohStaking(staking_);
        _registry = IModelRegistry(registry_);
        _emission = IPohEmission(emission_);
        _emissionGenesis = IPohEmission(emission_).genesisBlock();
        _epochLength = IPohEmission(emission_).epochLength();
        _treasury = treasury_;
        _grantRole(GOVERNOR_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _params = Params({
            committeeSize: 5,
            quorum: 3,
            toleranceBps: 500,
            thresholdBps: 5000,
            protocolFeeBps: 500,
            proposerBonusBps: 1000,
            livenessPenaltyBps: 100,
            outlierPenaltyBps: 300,
            commitWindow: 10,
            revealWindow: 10,
            maxCallbackGas: 500_000,
            minFee: 0.0001 ether
        });
    }

    // ------------------------------------------------------------------ integrators
    /// @inheritdoc IPohCoordinator
    function requestVerification(
        uint32 modelId,
        bytes32 inputHash,
        string calldata inputURI,
        address callback,
        uint32 callbackGasLimit
    ) external payable whenNotPaused returns (uint256 jobId) {
        Params memory p = _params;
        RequestTerms memory t = RequestTerms(modelId, callback, callbackGasLimit, msg.value);
        _checkRequest(p, t);
        jobId = ++_jobCount;
        _createJob(p, t, jobId, inputHash, inputURI);
        _totalEscrowed += uint128(msg.value);
    }

    /// @inheritdoc IPohCoordinator
    /// @dev All or nothing: one invalid input reverts the batch. The request checks (fee, model,
    /// callback) run once; each job still gets its own committee draw and JobRequested event.
    function requestVerificationBatch(
        uint32 modelId,
        bytes32[] calldata inputHashes,
        string[] calldata inputURIs,
        address callback,
        uint32 callbackGasLimit
    ) external payable whenNotPaused returns (uint256 firstJobId) {
        uint256 n = inputHashes.length;
        // Revert if the arrays are empty or differ in length.
        if (n == 0 || n != inputURIs.length) revert LengthMismatch();
        // Revert if the batch is larger than MAX_REQUEST_BATCH.
        if (n > MAX_REQUEST_BATCH) revert BatchTooLarge(n, MAX_REQUEST_BATCH);
        uint256 fee = msg.value / n;
        // Revert if msg.value cannot be split into equal fees.
        if (fee * n != msg.value) revert FeeNotDivisible(msg.value, n);
        Params memory p = _params;
        RequestTerms memory t = RequestTerms(modelId, callback, callbackGasLimit, fee);
        _checkRequest(p, t);
        firstJobId = _jobCount + 1;
        for (uint256 i; i < n; ++i) {
            _createJob(p, t, firstJobId + i, inputHashes[i], inputURIs[i]);
        }
        _jobCount = uint64(firstJobId + n - 1);
        _totalEscrowed += uint128(msg.value);
    }

    /// @dev The checks shared by every job of a request: fee, model and callback.
    function _checkRequest(Params memory p, RequestTerms memory t) private view {
        // Revert if the fee is below the minimum fee.
        if (t.fee < p.minFee) revert FeeTooLow(t.fee, p.minFee);
        // Revert if the fee does not fit the packed job.
        if (t.fee > type(uint96).max) revert FeeTooHigh(t.fee, type(uint96).max);
        // Revert if the model does not exist or is retired.
        if (!_isModelActive(t.modelId)) revert ModelNotActive(t.modelId);
        // Revert if the callback gas exceeds the cap, or is set without a callback.
        if (t.callback == address(0)) {
            if (t.callbackGasLimit != 0) revert CallbackGasTooHigh(t.callbackGasLimit, 0);
        } else if (t.callbackGasLimit > p.maxCallbackGas) {
            revert CallbackGasTooHigh(t.callbackGasLimit, p.maxCallbackGas);
        }
    }

    /// @dev Draws the committee, stores the job in its ring record and emits JobRequested. The
    /// caller has checked the request and accounts for the escrow.
    function _createJob(
        Params memory p,
        RequestTerms memory t,
        uint256 jobId,
        bytes32 inputHash,
        string calldata inputURI
    ) private {
        // Revert if the input hash is zero or the input URI is empty or too long.
        uint256 uriLength = bytes(inputURI).length;
        if (inputHash == bytes32(0) || uriLength == 0 || uriLength > MAX_INPUT_URI_BYTES) revert InvalidInput();
        // Revert if the job id no longer fits the 48-bit tag of a ring record.
        if (jobId > _ID_MASK) revert JobIdsExhausted();
        JobStore storage job = _jobs[jobId % jobSlots];
        uint256 previous = job.phase;
        // Revert if the record still holds a pending job.
        if (_status(previous) == JobStatus.Pending) revert JobSlotBusy(jobId, previous & _ID_MASK);

        uint256 size = p.committeeSize;
        // Reverts with IPohStaking.NotEnoughMiners if fewer than `size` miners can be drawn.
        address[] memory committee = _staking.drawCommittee(keccak256(abi.encode(block.prevrandao, jobId)), size);

        job.head = uint256(uint160(msg.sender)) | (t.fee << 160);
        uint256 hasCallback;
        if (t.callback != address(0)) {
            job.callbackWord = uint256(uint160(t.callback)) | (uint256(t.callbackGasLimit) << 160);
            hasCallback = 1;
        }
        job.phase = jobId | (block.number << _P_REQ) | (uint256(p.commitWindow) << _P_CW)
            | (uint256(p.revealWindow) << _P_RW) | (uint256(uint8(JobStatus.Pending)) << _P_STATUS) | (size << _P_SIZE)
            | (uint256(p.quorum) << _P_QUORUM) | (uint256(t.modelId) << _P_MODEL) | (hasCallback << _P_CB);
        job.inputHash = inputHash;

        uint256[3] memory words;
        for (uint256 i; i < size; ++i) {
            uint256 id = _joinCommittee(committee[i]);
            words[i / _MEMBERS_PER_WORD] |= id << (48 * (i % _MEMBERS_PER_WORD) + _ID_SHIFT);
        }
        for (uint256 w; w * _MEMBERS_PER_WORD < size; ++w) {
            job.members[w] = words[w];
        }

        uint64 commitDeadline = uint64(block.number + p.commitWindow);
        emit JobRequested(
            jobId,
            msg.sender,
            t.modelId,
            inputHash,
            inputURI,
            t.fee,
            committee,
            p.quorum,
            commitDeadline,
            commitDeadline + p.revealWindow,
            t.callback,
            t.callbackGasLimit
        );
    }

    // ------------------------------------------------------------------ miners
    /// @inheritdoc IPohCoordinator
    function commit(uint256 jobId, bytes32 commitment) external {
        _commit(jobId, commitment, _miners[msg.sender].id, false);
        uint256[] memory jobIds = new uint256[](1);
        bytes32[] memory commitments = new bytes32[](1);
        (jobIds[0], commitments[0]) = (jobId, commitment);
        emit Committed(msg.sender, jobIds, commitments);
    }

    /// @inheritdoc IPohCoordinator
    /// @dev All or nothing: one failing commit reverts the batch.
    function commitBatch(uint256[] calldata jobIds, bytes32[] calldata commitments) external {
        _commitMany(jobIds, commitments, false);
    }

    /// @inheritdoc IPohCoordinator
    /// @dev All or nothing: one failing commit reverts the batch. Stores one word for the whole
    /// batch instead of one commitment per job. A job can be committed only once, so at most one
    /// stored root of a miner holds a given job: revealing against it binds the miner to the
    /// commitment it made for that job.
    function commitBatchRoot(uint256[] calldata jobIds, bytes32[] calldata commitments) external {
        _commitMany(jobIds, commitments, true);
        _commitRoots[keccak256(abi.encode(msg.sender, jobIds, commitments))] = true;
    }

    /// @inheritdoc IPohCoordinator
    function reveal(uint256 jobId, uint16 scoreBps, bytes32 salt) external nonReentrant {
        (bool matched, bool complete) = _reveal(jobId, scoreBps, salt, _miners[msg.sender].id, 0, false);
        if (!matched) return;
        uint256[] memory jobIds = new uint256[](1);
        uint16[] memory scores = new uint16[](1);
        (jobIds[0], scores[0]) = (jobId, scoreBps);
        emit Revealed(msg.sender, jobIds, scores);
        if (complete) {
            _settleComplete(jobId);
            _flushWork();
        }
    }

    /// @inheritdoc IPohCoordinator
    /// @dev All or nothing for reverts; a mismatching reveal only emits RevealMismatched. Records
    /// every reveal first, emits one Revealed event, then settles the jobs the batch completed.
    function revealBatch(uint256[] calldata jobIds, uint16[] calldata scoresBps, bytes32[] calldata salts)
        external
        nonReentrant
    {
        uint256 n = jobIds.length;
        // Revert if the arrays are empty or differ in length.
        if (n == 0 || n != scoresBps.length || n != salts.length) revert LengthMismatch();
        _revealMany(jobIds, salts[0:0], scoresBps, salts, false);
    }

    /// @inheritdoc IPohCoordinator
    /// @dev As revealBatch, for a batch committed with commitBatchRoot; SKIP_SCORE entries are
    /// left out (their salts are ignored).
    function revealBatchRoot(
        uint256[] calldata jobIds,
        bytes32[] calldata commitments,
        uint16[] calldata scoresBps,
        bytes32[] calldata salts
    ) external nonReentrant {
        uint256 n = jobIds.length;
        // Revert if the arrays are empty or differ in length.
        if (n == 0 || n != commitments.length || n != scoresBps.length || n != salts.length) revert LengthMismatch();
        // Revert if the caller never committed exactly this batch with commitBatchRoot.
        if (!_commitRoots[keccak256(abi.encode(msg.sender, jobIds, commitments))]) revert UnknownCommitRoot();
        _revealMany(jobIds, commitments, scoresBps, salts, true);
    }

    // ------------------------------------------------------------------ anyone
    /// @inheritdoc IPohCoordinator
    function finalize(uint256 jobId) external nonReentrant {
        (JobStore storage job, uint256 phase) = _load(jobId);
        // Revert if the job already ended.
        if (_status(phase) != JobStatus.Pending) revert JobAlreadyEnded(jobId);
        uint256 size = _size(phase);
        uint256[3] memory words = _loadMembers(job, size);
        (uint256 commits, uint256 reveals) = _counts(words, size);
        // Revert if the reveal phase is still open or fewer than quorum members revealed.
        bool allRevealed = reveals == commits && (commits == size || block.number > _commitDeadline(phase));
        if (reveals < _quorum(phase) || !(allRevealed || block.number > _revealDeadline(phase))) {
            revert NotFinalizable(jobId);
        }
        _settle(jobId, job, phase, words);
        _flushWork();
    }

    /// @inheritdoc IPohCoordinator
    /// @dev Also allowed once the commit phase is over with fewer than quorum commitments, since
    /// such a job can no longer reach a quorum.
    function expire(uint256 jobId) external nonReentrant {
        (JobStore storage job, uint256 phase) = _load(jobId);
        // Revert if the job already ended.
        if (_status(phase) != JobStatus.Pending) revert JobAlreadyEnded(jobId);
        uint256 size = _size(phase);
        uint256[3] memory words = _loadMembers(job, size);
        (uint256 commits, uint256 reveals) = _counts(words, size);
        // Revert if the job can still reach a quorum of reveals.
        uint256 quorum = _quorum(phase);
        bool noQuorumOfReveals = block.number > _revealDeadline(phase) && reveals < quorum;
        bool noQuorumOfCommits = block.number > _commitDeadline(phase) && commits < quorum;
        if (!(noQuorumOfReveals || noQuorumOfCommits)) revert NotExpirable(jobId);
        _settle(jobId, job, phase, words);
    }

    /// @inheritdoc IPohCoordinator
    function withdraw() external nonReentrant {
        uint256 amount = _claimable[msg.sender];
        // Revert if there is nothing to withdraw.
        if (amount == 0) revert NothingToWithdraw();
        _claimable[msg.sender] = 0;
        _totalClaimable -= uint128(amount);
        emit Withdrawn(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        // Revert if the native coin could not be sent.
        if (!ok) revert TransferFailed(msg.sender, amount);
    }

    // ------------------------------------------------------------------ governance
    /// @inheritdoc IPohCoordinator
    function setCommittee(uint8 committeeSize, uint8 quorum) external onlyRole(GOVERNOR_ROLE) {
        // Revert if the committee size is outside 1..15.
        if (committeeSize == 0 || committeeSize > MAX_COMMITTEE_SIZE) {
            revert ParameterOutOfBounds("committeeSize", committeeSize, 1, MAX_COMMITTEE_SIZE);
        }
        uint8 minQuorum = committeeSize / 2 + 1;
        if (quorum == 0) quorum = minQuorum;
        // Revert if the quorum is not a majority of the committee.
        if (quorum < minQuorum || quorum > committeeSize) {
            revert ParameterOutOfBounds("quorum", quorum, minQuorum, committeeSize);
        }
        emit ParameterChanged("committeeSize", _params.committeeSize, committeeSize);
        emit ParameterChanged("quorum", _params.quorum, quorum);
        _params.committeeSize = committeeSize;
        _params.quorum = quorum;
    }

    /// @inheritdoc IPohCoordinator
    function setToleranceBps(uint16 value) external onlyRole(GOVERNOR_ROLE) {
        _checkBounds("toleranceBps", value, 0, 5000);
        emit ParameterChanged("toleranceBps", _params.toleranceBps, value);
        _params.toleranceBps = value;
    }

    /// @inheritdoc IPohCoordinator
    function setThresholdBps(uint16 value) external onlyRole(GOVERNOR_ROLE) {
        _checkBounds("thresholdBps", value, 1, 10_000);
        emit ParameterChanged("thresholdBps", _params.thresholdBps, value);
        _params.thresholdBps = value;
    }

    /// @inheritdoc IPohCoordinator
    function setProtocolFeeBps(uint16 value) external onlyRole(GOVERNOR_ROLE) {
        _checkBounds("protocolFeeBps", value, 0, 2000);
        emit ParameterChanged("protocolFeeBps", _params.protocolFeeBps, value);
        _params.protocolFeeBps = value;
    }

    /// @inheritdoc IPohCoordinator
    function setProposerBonusBps(uint16 value) external onlyRole(GOVERNOR_ROLE) {
        _checkBounds("proposerBonusBps", value, 0, 5000);
        emit ParameterChanged("proposerBonusBps", _params.proposerBonusBps, value);
        _params.proposerBonusBps = value;
    }

    /// @inheritdoc IPohCoordinator
    function setPenalties(uint16 livenessPenaltyBps, uint16 outlierPenaltyBps) external onlyRole(GOVERNOR_ROLE) {
        _checkBounds("livenessPenaltyBps", livenessPenaltyBps, 0, 2000);
        _checkBounds("outlierPenaltyBps", outlierPenaltyBps, 0, 2000);
        emit ParameterChanged("livenessPenaltyBps", _params.livenessPenaltyBps, livenessPenaltyBps);
        emit ParameterChanged("outlierPenaltyBps", _params.outlierPenaltyBps, outlierPenaltyBps);
        _params.livenessPenaltyBps = livenessPenaltyBps;
        _params.outlierPenaltyBps = outlierPenaltyBps;
    }

    /// @inheritdoc IPohCoordinator
    function setWindows(uint32 commitWindow, uint32 revealWindow) external onlyRole(GOVERNOR_ROLE) {
        _checkBounds("commitWindow", commitWindow, 1, 10_000);
        _checkBounds("revealWindow", revealWindow, 1, 10_000);
        emit ParameterChanged("commitWindow", _params.commitWindow, commitWindow);
        emit ParameterChanged("revealWindow", _params.revealWindow, revealWindow);
        _params.commitWindow = commitWindow;
        _params.revealWindow = revealWindow;
    }

    /// @inheritdoc IPohCoordinator
    function setMaxCallbackGas(uint32 value) external onlyRole(GOVERNOR_ROLE) {
        _checkBounds("maxCallbackGas", value, 0, 5_000_000);
        emit ParameterChanged("maxCallbackGas", _params.maxCallbackGas, value);
        _params.maxCallbackGas = value;
    }

    /// @inheritdoc IPohCoordinator
    function setMinFee(uint128 value) external onlyRole(GOVERNOR_ROLE) {
        _checkBounds("minFee", value, 0, 100 ether);
        emit ParameterChanged("minFee", _params.minFee, value);
        _params.minFee = value;
    }

    /// @inheritdoc IPohCoordinator
    function setTreasury(address treasury_) external onlyRole(GOVERNOR_ROLE) {
        // Revert if the address is zero.
        if (treasury_ == address(0)) revert ZeroAddress();
        emit TreasuryChanged(_treasury, treasury_);
        _treasury = treasury_;
    }

    /// @inheritdoc IPohCoordinator
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IPohCoordinator
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------------ views
    /// @inheritdoc IPohCoordinator
    function getParams() external view returns (Params memory) {
        return _params;
    }

    /// @inheritdoc IPohCoordinator
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IPohCoordinator
    /// @dev Once the ring has reused the job's record (after `jobSlots` newer jobs), only status,
    /// failure, result and verdict are still stored; the other fields are returned as zero.
    function getJob(uint256 jobId) external view returns (Job memory job) {
        (JobStore storage s, uint256 phase) = _load(jobId);
        if (phase == 0) {
            (job.status, job.failure, job.result, job.verdict) = _outcome(jobId);
            return job;
        }
        uint256 head = s.head;
        uint256 size = _size(phase);
        uint256[3] memory words = _loadMembers(s, size);
        (uint256 commits, uint256 reveals) = _counts(words, size);
        job.requester = address(uint160(head));
        job.fee = uint128(head >> 160);
        job.modelId = uint32(phase >> _P_MODEL);
        job.status = _status(phase);
        job.failure = FailureReason(uint8(phase >> _P_FAIL));
        job.committeeSize = uint8(size);
        job.quorum = uint8(_quorum(phase));
        job.commitCount = uint8(commits);
        job.revealCount = uint8(reveals);
        job.result = uint16(phase >> _P_RESULT);
        job.verdict = uint8(phase >> _P_VERDICT) == 1;
        job.requestBlock = uint40(phase >> _P_REQ);
        job.commitDeadline = uint64(_commitDeadline(phase));
        job.revealDeadline = uint64(_revealDeadline(phase));
        job.finalBlock = uint40(phase >> _P_FINAL);
        if (uint8(phase >> _P_CB) == 1) {
            uint256 cb = s.callbackWord;
            job.callback = address(uint160(cb));
            job.callbackGasLimit = uint32(cb >> 160);
        }
        job.inputHash = s.inputHash;
        job.committee = new address[](size);
        for (uint256 i; i < size; ++i) {
            job.committee[i] = _minerById[uint32(_entry(words[i / _MEMBERS_PER_WORD], i) >> _ID_SHIFT)];
        }
    }

    /// @inheritdoc IPohCoordinator
    function jobCount() external view returns (uint256) {
        return _jobCount;
    }

    /// @notice The permanent outcome of a job, readable after its ring record was reused.
    /// @return status None for an unknown or still pending job, else Final or Failed
    function jobOutcome(uint256 jobId)
        external
        view
        returns (JobStatus status, FailureReason failure, uint16 result, bool verdict)
    {
        return _outcome(jobId);
    }

    /// @inheritdoc IPohCoordinator
    /// @dev Returns all false for an unknown job, and for a job whose ring record was reused.
    function getMember(uint256 jobId, address miner)
        external
        view
        returns (bool isMember, bool committed, bool revealed, uint16 scoreBps)
    {
        uint32 id = _miners[miner].id;
        if (jobId == 0 || jobId > _jobCount || id == 0) return (false, false, false, 0);
        (JobStore storage job, uint256 phase) = _record(jobId);
        if (phase == 0) return (false, false, false, 0);
        uint256 size = _size(phase);
        uint256[3] memory words = _loadMembers(job, size);
        for (uint256 i; i < size; ++i) {
            uint256 word = words[i / _MEMBERS_PER_WORD];
            uint256 entry = _entry(word, i);
            if (entry >> _ID_SHIFT == id) {
                uint256 enc = entry & 0xFFFF;
                revealed = enc != 0;
                return (true, _committed(word, i), revealed, revealed ? _decodeScore(enc) : 0);
            }
        }
    }

    /// @inheritdoc IPohCoordinator
    function minerStats(address miner) external view returns (MinerStats memory) {
        MinerStore memory m = _miners[miner];
        return MinerStats({
            served: m.served,
            agreed: m.agreed,
            livenessFaults: m.livenessFaults,
            outlierFaults: m.outlierFaults,
            openJobs: m.openJobs
        });
    }

    /// @inheritdoc IPohCoordinator
    function trustMultiplierBps(address miner) external view returns (uint256) {
        MinerStore memory m = _miners[miner];
        return TrustMath.multiplierBps(m.agreed, uint256(m.livenessFaults) + m.outlierFaults);
    }

    /// @inheritdoc IPohCoordinator
    /// @dev min(total stake, openJobs x max(liveness, outlier penalty) x total stake / 10000).
    function lockedStake(address miner) external view returns (uint256) {
        uint256 open = _miners[miner].openJobs;
        if (open == 0) return 0;
        uint256 total = _staking.totalStakeOf(miner);
        uint256 maxBps = _params.livenessPenaltyBps;
        if (_params.outlierPenaltyBps > maxBps) maxBps = _params.outlierPenaltyBps;
        uint256 locked = (total * open * maxBps) / _BPS;
        return locked < total ? locked : total;
    }

    /// @inheritdoc IPohCoordinator
    function claimable(address account) external view returns (uint256) {
        return _claimable[account];
    }

    /// @inheritdoc IPohCoordinator
    function totalEscrowed() external view returns (uint256) {
        return _totalEscrowed;
    }

    /// @inheritdoc IPohCoordinator
    function totalClaimable() external view returns (uint256) {
        return _totalClaimable;
    }

    /// @notice The staking contract.
    function staking() external view returns (address) {
        return address(_staking);
    }

    /// @notice The model registry.
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @notice The emission contract.
    function emission() external view returns (address) {
        return address(_emission);
    }

    // ------------------------------------------------------------------ private: commit-reveal
    function _commitMany(uint256[] calldata jobIds, bytes32[] calldata commitments, bool viaRoot) private {
        uint256 n = jobIds.length;
        // Revert if the arrays are empty or differ in length.
        if (n == 0 || n != commitments.length) revert LengthMismatch();
        uint32 id = _miners[msg.sender].id;
        for (uint256 i; i < n; ++i) {
            _commit(jobIds[i], commitments[i], id, viaRoot);
        }
        emit Committed(msg.sender, jobIds, commitments);
    }

    /// @dev Records every reveal, emits one Revealed event with those that matched, then settles
    /// the jobs they completed. With `viaRoot`, `commitments` is the committed batch (checked by
    /// the caller) and SKIP_SCORE entries are left out.
    function _revealMany(
        uint256[] calldata jobIds,
        bytes32[] calldata commitments,
        uint16[] calldata scoresBps,
        bytes32[] calldata salts,
        bool viaRoot
    ) private {
        uint256 n = jobIds.length;
        uint32 id = _miners[msg.sender].id;
        uint256[] memory complete = new uint256[](n);
        uint256 completeCount;
        // Set only once a reveal is left out (skipped or mismatched) of the Revealed event.
        bool[] memory leftOut;
        uint256 leftOutCount;
        for (uint256 i; i < n; ++i) {
            uint16 score = scoresBps[i];
            bool matched;
            bool last;
            if (!viaRoot || score != SKIP_SCORE) {
                (matched, last) = _reveal(jobIds[i], score, salts[i], id, viaRoot ? commitments[i] : bytes32(0), viaRoot);
            }
            if (!matched) {
                if (leftOutCount++ == 0) leftOut = new bool[](n);
                leftOut[i] = true;
            } else if (last) {
                complete[completeCount++] = jobIds[i];
            }
        }
        if (leftOutCount == 0) {
            emit Revealed(msg.sender, jobIds, scoresBps);
        } else if (leftOutCount < n) {
            uint256[] memory revealed = new uint256[](n - leftOutCount);
            uint16[] memory scores = new uint16[](n - leftOutCount);
            uint256 k;
            for (uint256 i; i < n; ++i) {
                if (leftOut[i]) continue;
                (revealed[k], scores[k]) = (jobIds[i], scoresBps[i]);
                ++k;
            }
            emit Revealed(msg.sender, revealed, scores);
        } else {
            return;
        }
        for (uint256 k; k < completeCount; ++k) {
            _settleComplete(complete[k]);
        }
        _flushWork();
    }

    function _commit(uint256 jobId, bytes32 commitment, uint32 minerId, bool viaRoot) private {
        (JobStore storage job, uint256 phase) = _load(jobId);
        // Revert if the job ended or the commit deadline passed.
        if (_status(phase) != JobStatus.Pending || block.number > _commitDeadline(phase)) revert CommitPhaseOver(jobId);
        // Revert if the commitment is zero.
        if (commitment == bytes32(0)) revert EmptyCommitment();
        uint256 size = _size(phase);
        // Reverts with NotCommitteeMember if the caller is not on the committee.
        (uint256 index, uint256 word) = _seat(job, size, jobId, minerId);
        uint256 flag = 1 << (_FLAG_SHIFT + index % _MEMBERS_PER_WORD);
        if (word & flag != 0) {
            (uint256 commits,) = _counts(_loadMembers(job, size), size);
            // Revert if every member already committed (the commit phase is over).
            if (commits == size) revert CommitPhaseOver(jobId);
            // Revert if the caller already committed.
            revert AlreadyCommitted(jobId, msg.sender);
        }
        if (viaRoot) {
            // The commitment is kept in the batch's root; the flag says where to find it.
            job.members[index / _MEMBERS_PER_WORD] = word | flag | (1 << (_ROOT_FLAG_SHIFT + index % _MEMBERS_PER_WORD));
        } else {
            job.members[index / _MEMBERS_PER_WORD] = word | flag;
            job.commitments[index] = commitment;
        }
    }

    /// @dev The caller's seat on the committee and the member word that holds it, reading member
    /// words only until the seat is found. Reverts with NotCommitteeMember if there is none.
    function _seat(JobStore storage job, uint256 size, uint256 jobId, uint32 minerId)
        private
        view
        returns (uint256 index, uint256 word)
    {
        if (minerId != 0) {
            unchecked {
                for (uint256 base; base < size; base += _MEMBERS_PER_WORD) {
                    word = job.members[base / _MEMBERS_PER_WORD];
                    uint256 end = size - base < _MEMBERS_PER_WORD ? size - base : _MEMBERS_PER_WORD;
                    for (uint256 k; k < end; ++k) {
                        if ((word >> (48 * k + _ID_SHIFT)) & _MAX_MINER_ID == minerId) return (base + k, word);
                    }
                }
            }
        }
        revert NotCommitteeMember(jobId, msg.sender);
    }

    /// @dev Records a reveal; `matched` if it matched the commitment, `complete` if it was the job's
    /// last outstanding reveal (the caller then settles the job with _settleComplete).
    function _reveal(
        uint256 jobId,
        uint16 scoreBps,
        bytes32 salt,
        uint32 minerId,
        bytes32 rootCommitment,
        bool viaRoot
    ) private returns (bool matched, bool complete) {
        (JobStore storage job, uint256 phase) = _load(jobId);
        // Revert if the job ended or the reveal deadline passed.
        if (_status(phase) != JobStatus.Pending || block.number > _revealDeadline(phase)) {
            revert RevealPhaseOver(jobId);
        }
        uint256 size = _size(phase);
        (uint256 commits, uint256 reveals) = _countsIn(job, size);
        // Revert if some member may still commit.
        if (commits < size && block.number <= _commitDeadline(phase)) revert RevealPhaseNotStarted(jobId);
        // Revert if the score is neither 0..10000 nor 65535.
        if (scoreBps > MAX_SCORE && scoreBps != INVALID_SCORE) revert InvalidScore(scoreBps);
        // Reverts with NotCommitteeMember if the caller is not on the committee.
        (uint256 index, uint256 word) = _seat(job, size, jobId, minerId);
        // Revert if the caller did not commit.
        if (!_committed(word, index)) revert NotCommitted(jobId, msg.sender);
        // Revert if the caller already revealed.
        uint256 shift = 48 * (index % _MEMBERS_PER_WORD);
        if ((word >> shift) & 0xFFFF != 0) revert AlreadyRevealed(jobId, msg.sender);
        // Revert if the member committed through the other commit path.
        if (((word >> (_ROOT_FLAG_SHIFT + index % _MEMBERS_PER_WORD)) & 1 == 1) != viaRoot) {
            revert WrongRevealPath(jobId, msg.sender);
        }

        bytes32 committed = viaRoot ? rootCommitment : job.commitments[index];
        if (keccak256(abi.encode(jobId, msg.sender, scoreBps, salt)) != committed) {
            // Counts as no reveal; the member may still reveal correctly before the deadline.
            emit RevealMismatched(jobId, msg.sender);
            return (false, false);
        }
        uint256 enc = scoreBps == INVALID_SCORE ? _ENC_INVALID : uint256(scoreBps) + 1;
        job.members[index / _MEMBERS_PER_WORD] = word | ((enc | (reveals << 16)) << shift);
        // The reveal phase is open, so no member can commit any more: the last reveal completes.
        return (true, reveals + 1 == commits);
    }

    /// @dev Settles a job whose last outstanding reveal was just recorded.
    function _settleComplete(uint256 jobId) private {
        (JobStore storage job, uint256 phase) = _record(jobId);
        _settle(jobId, job, phase, _loadMembers(job, _size(phase)));
    }

    // ------------------------------------------------------------------ private: settlement
    /// @dev Ends a pending job: decides the outcome, credits the fee (rewards + protocol fee, or a
    /// full refund), updates the members' counters and queues their work points, emits one event
    /// for the job and its whole committee, then slashes and finally calls the consumer back.
    /// Work points are sent to the emission contract once per transaction (_flushWork), summed
    /// per miner, instead of once per job.
    function _settle(uint256 jobId, JobStore storage job, uint256 phase, uint256[3] memory words) private {
        uint256 size = _size(phase);
        uint256 head = job.head;
        uint256 fee = head >> 160;
        uint256 params;
        assembly ("memory-safe") {
            params := sload(_params.slot)
        }
        (FailureReason failure, uint256 median, uint256 agree, uint256 proposer) = _decide(phase, words, size);
        bool isFinal = failure == FailureReason.None;

        // Effects: the job, in its ring record and in the permanent outcome table.
        JobStatus status = isFinal ? JobStatus.Final : JobStatus.Failed;
        bool verdict = isFinal && median >= uint16(params >> _PARAM_THRESHOLD);
        {
            uint256 outcome = uint256(uint8(status)) | (uint256(uint8(failure)) << 2);
            phase = (phase & _SETTLE_CLEAR) | (uint256(uint8(status)) << _P_STATUS)
                | (uint256(uint8(failure)) << _P_FAIL) | (block.number << _P_FINAL);
            if (isFinal) {
                uint256 v = verdict ? 1 : 0;
                phase |= (median << _P_RESULT) | (v << _P_VERDICT);
                outcome |= (v << 4) | (median << 5);
            }
            job.phase = phase;
            _outcomes[jobId / _OUTCOMES_PER_WORD] |= outcome << ((jobId % _OUTCOMES_PER_WORD) * _OUTCOME_BITS);
        }
        // Unchecked: the fee is in escrow, and credits never exceed the native coin the contract
        // holds (far below 2^128); the counters and shares below are bounded likewise.
        unchecked {
            _totalEscrowed -= uint128(fee);
            _totalClaimable += uint128(fee);
        }

        uint256 protocolFee;
        uint256 share;
        uint256 proposerExtra;
        if (isFinal) {
            (protocolFee, share, proposerExtra) = PohMath.splitFee(
                fee, agree, uint16(params >> _PARAM_PROTOCOL_FEE), uint16(params >> _PARAM_PROPOSER_BONUS)
            );
        }

        // Effects: the members (counters, rewards, queued work points).
        uint256[] memory members = new uint256[](size);
        uint256 slashMask;
        address proposerAddress;
        unchecked {
            uint256 tolerance = uint16(params >> _PARAM_TOLERANCE);
            for (uint256 i; i < size; ++i) {
                uint256 word = words[i / _MEMBERS_PER_WORD];
                uint256 entry = _entry(word, i);
                uint256 id = entry >> _ID_SHIFT;
                address miner = _minerById[uint32(id)];
                uint256 enc = entry & 0xFFFF;
                MemberOutcome result;
                if (enc == 0) {
                    result = _committed(word, i) ? MemberOutcome.NoReveal : MemberOutcome.NoCommit;
                } else if (!isFinal) {
                    result = MemberOutcome.Unscored;
                } else if (enc != _ENC_INVALID && _within(enc - 1, median, tolerance)) {
                    result = MemberOutcome.Agreed;
                } else {
                    result = MemberOutcome.Outlier;
                }
                uint256 trust = _countOutcome(miner, result);
                if (result == MemberOutcome.Agreed) {
                    uint256 reward = share;
                    if (i == proposer) {
                        reward += proposerExtra;
                        proposerAddress = miner;
                    }
                    _claimable[miner] += reward;
                    _queueWork(miner, id, trust);
                } else if (result != MemberOutcome.Unscored) {
                    slashMask |= 1 << i;
                }
                members[i] = uint256(uint160(miner)) | (uint256(uint8(result)) << 160) | (trust << 168);
            }
        }

        if (isFinal) {
            unchecked {
                _claimable[_treasury] += protocolFee;
            }
            _queueJob();
            emit JobFinalized(
                jobId,
                uint16(median),
                verdict,
                proposerAddress,
                uint8(agree),
                protocolFee,
                share,
                proposerExtra,
                (block.number - _emissionGenesis) / _epochLength,
                members
            );
        } else {
            unchecked {
                _claimable[address(uint160(head))] += fee;
            }
            emit JobFailed(jobId, failure, fee, members);
        }

        // Interactions with the protocol's own contracts.
        if (slashMask != 0) _slashMembers(jobId, members, slashMask, params);

        // The consumer, last.
        if (isFinal && uint8(phase >> _P_CB) == 1) {
            uint256 cb = job.callbackWord;
            _deliver(jobId, address(uint160(cb)), uint32(cb >> 160), uint16(median), verdict);
        }
    }

    /// @dev The outcome of a job from its reveals: failure reason (None when final), median,
    /// agreeing count and proposer (the agreeing member that revealed first). One pass collects
    /// the valid scores and counts reveals; a second pass counts agreement and picks the proposer.
    function _decide(uint256 phase, uint256[3] memory words, uint256 size)
        private
        view
        returns (FailureReason failure, uint256 median, uint256 agree, uint256 proposer)
    {
        uint256 quorum = _quorum(phase);
        uint256[] memory scores = new uint256[](size);
        uint256 reveals;
        uint256 valid;
        unchecked {
            for (uint256 i; i < size; ++i) {
                uint256 enc = (words[i / _MEMBERS_PER_WORD] >> (48 * (i % _MEMBERS_PER_WORD))) & 0xFFFF;
                if (enc == 0) continue;
                ++reveals;
                if (enc != _ENC_INVALID) scores[valid++] = enc - 1;
            }
        }
        if (reveals < quorum) return (FailureReason.Expired, 0, 0, 0);
        if (reveals - valid >= quorum) return (FailureReason.InputInvalid, 0, 0, 0);
        median = PohMath.lowerMedian(scores, valid);
        uint256 tolerance = _params.toleranceBps;
        uint256 firstOrder = 16;
        unchecked {
            for (uint256 i; i < size; ++i) {
                uint256 entry = words[i / _MEMBERS_PER_WORD] >> (48 * (i % _MEMBERS_PER_WORD));
                uint256 enc = entry & 0xFFFF;
                if (enc == 0 || enc == _ENC_INVALID || !_within(enc - 1, median, tolerance)) continue;
                ++agree;
                uint256 order = (entry >> 16) & 0xF;
                if (order < firstOrder) (firstOrder, proposer) = (order, i);
            }
        }
        if (agree < quorum) return (FailureReason.NoAgreement, 0, 0, 0);
    }

    /// @dev Updates a member's counters in its one MinerStore word (served +1, open jobs -1, and
    /// agreed, liveness or outlier +1) and returns its trust multiplier after this job. The
    /// counters are 32 bits: 2^32 jobs for one miner is out of reach, and openJobs is at least
    /// one here (the job itself), so the word arithmetic cannot carry into a neighbour.
    function _countOutcome(address miner, MemberOutcome result) private returns (uint256 trust) {
        MinerStore storage m = _miners[miner];
        uint256 w;
        assembly ("memory-safe") {
            w := sload(m.slot)
        }
        unchecked {
            w = w + (1 << _M_SERVED) - (1 << _M_OPEN);
            if (result == MemberOutcome.Agreed) w += 1 << _M_AGREED;
            else if (result == MemberOutcome.Outlier) w += 1 << _M_OUTLIER;
            else if (result != MemberOutcome.Unscored) w += 1 << _M_LIVENESS;
        }
        assembly ("memory-safe") {
            sstore(m.slot, w)
        }
        trust = TrustMath.multiplierBps(
            uint32(w >> _M_AGREED), uint256(uint32(w >> _M_LIVENESS)) + uint32(w >> _M_OUTLIER)
        );
    }

    /// @dev Slashes the members whose bit is set in `mask` (outcome from their packed entry).
    function _slashMembers(uint256 jobId, uint256[] memory members, uint256 mask, uint256 params) private {
        for (uint256 i; i < members.length; ++i) {
            if ((mask >> i) & 1 == 0) continue;
            bool outlier = uint8(members[i] >> 160) == uint8(MemberOutcome.Outlier);
            uint256 bps = outlier ? uint16(params >> _PARAM_OUTLIER_PENALTY) : uint16(params >> _PARAM_LIVENESS_PENALTY);
            if (bps != 0) {
                _staking.slash(
                    address(uint160(members[i])),
                    jobId,
                    outlier ? IPohStaking.SlashReason.Outlier : IPohStaking.SlashReason.Liveness,
                    bps
                );
            }
        }
    }

    /// @dev Adds `points` to the miner's work queued in this transaction (transient storage).
    function _queueWork(address miner, uint256 id, uint256 points) private {
        assembly ("memory-safe") {
            let slot := add(add(_T_WORK, _T_POINTS), id)
            let current := tload(slot)
            if iszero(current) {
                let n := tload(_T_WORK)
                tstore(add(add(_T_WORK, _T_LIST), n), or(miner, shl(160, id)))
                tstore(_T_WORK, add(n, 1))
            }
            tstore(slot, add(current, points))
        }
    }

    /// @dev Counts one more final job in the work queued in this transaction.
    function _queueJob() private {
        assembly ("memory-safe") {
            let slot := add(_T_WORK, 1)
            tstore(slot, add(tload(slot), 1))
        }
    }

    /// @dev Sends the work queued in this transaction to the emission contract in one call (points
    /// summed per miner) and clears the queue. Called at the end of every function that settles.
    function _flushWork() private {
        uint256 n;
        assembly ("memory-safe") {
            n := tload(_T_WORK)
        }
        if (n == 0) return;
        address[] memory miners = new address[](n);
        uint256[] memory points = new uint256[](n);
        uint256 jobs;
        assembly ("memory-safe") {
            for { let k := 0 } lt(k, n) { k := add(k, 1) } {
                let item := tload(add(add(_T_WORK, _T_LIST), k))
                let slot := add(add(_T_WORK, _T_POINTS), shr(160, item))
                mstore(add(add(miners, 0x20), mul(k, 0x20)), and(item, 0xffffffffffffffffffffffffffffffffffffffff))
                mstore(add(add(points, 0x20), mul(k, 0x20)), tload(slot))
                tstore(slot, 0)
            }
            jobs := tload(add(_T_WORK, 1))
            tstore(_T_WORK, 0)
            tstore(add(_T_WORK, 1), 0)
        }
        _emission.recordWork(jobs, miners, points);
    }

    /// @dev Calls the consumer with exactly `gasLimit` gas and at most _MAX_REASON_BYTES of revert
    /// data copied back, so a failing or gas-burning consumer cannot block finalisation.
    function _deliver(uint256 jobId, address callback, uint256 gasLimit, uint16 result, bool verdict) private {
        // Revert if the caller did not bring enough gas: CALL forwards at most 63/64 of what is left.
        uint256 required = gasLimit + gasLimit / 63 + CALLBACK_GAS_RESERVE;
        uint256 left = gasleft();
        if (left < required) revert InsufficientGasForCallback(jobId, left, required);
        if (callback.code.length == 0) {
            emit CallbackFailed(jobId, callback, "");
            return;
        }
        bytes memory data = abi.encodeCall(IPohConsumer.onVerification, (jobId, result, verdict));
        bool ok;
        bytes memory reason;
        assembly ("memory-safe") {
            ok := call(gasLimit, callback, 0, add(data, 0x20), mload(data), 0, 0)
            if iszero(ok) {
                let size := returndatasize()
                if gt(size, _MAX_REASON_BYTES) { size := _MAX_REASON_BYTES }
                reason := mload(0x40)
                mstore(reason, size)
                returndatacopy(add(reason, 0x20), 0, size)
                mstore(0x40, add(add(reason, 0x20), and(add(size, 0x1f), not(0x1f))))
            }
        }
        if (ok) emit CallbackDelivered(jobId, callback);
        else emit CallbackFailed(jobId, callback, reason);
    }

    // ------------------------------------------------------------------ private: helpers
    function _joinCommittee(address miner) private returns (uint256 id) {
        MinerStore storage m = _miners[miner];
        id = m.id;
        if (id == 0) {
            id = ++_minerCount;
            // Revert if the miner ids (28 bits in a committee entry) are used up.
            if (id > _MAX_MINER_ID) revert MinerIdsExhausted();
            m.id = uint32(id);
            _minerById[uint32(id)] = miner;
        }
        ++m.openJobs;
    }

    /// @dev The ring record of a job and its phase word; the phase is 0 if the record now holds a
    /// newer job (the job ended long ago, see _outcomes).
    /// A record tagged with the job id proves the job exists, so the job count is read only when
    /// the tag does not match.
    function _load(uint256 jobId) private view returns (JobStore storage job, uint256 phase) {
        (job, phase) = _record(jobId);
        // Revert if the job does not exist.
        if (phase == 0 && (jobId == 0 || jobId > _jobCount)) revert UnknownJob(jobId);
    }

    /// @dev The ring record of an existing job; phase 0 if the record now holds a newer job.
    function _record(uint256 jobId) private view returns (JobStore storage job, uint256 phase) {
        job = _jobs[jobId % jobSlots];
        phase = job.phase;
        if (phase & _ID_MASK != jobId) phase = 0;
    }

    /// @dev A job's entry in the permanent outcome table (all zero while it is pending).
    function _outcome(uint256 jobId)
        private
        view
        returns (JobStatus status, FailureReason failure, uint16 result, bool verdict)
    {
        uint256 o = (_outcomes[jobId / _OUTCOMES_PER_WORD] >> ((jobId % _OUTCOMES_PER_WORD) * _OUTCOME_BITS))
            & ((1 << _OUTCOME_BITS) - 1);
        return (JobStatus(o & 3), FailureReason((o >> 2) & 3), uint16(o >> 5), (o >> 4) & 1 == 1);
    }

    function _loadMembers(JobStore storage job, uint256 size) private view returns (uint256[3] memory words) {
        words[0] = job.members[0];
        if (size > _MEMBERS_PER_WORD) {
            words[1] = job.members[1];
            if (size > 2 * _MEMBERS_PER_WORD) words[2] = job.members[2];
        }
    }

    /// @dev Commitments and matching reveals so far, counted from the member words in storage.
    function _countsIn(JobStore storage job, uint256 size) private view returns (uint256 commits, uint256 reveals) {
        unchecked {
            for (uint256 base; base < size; base += _MEMBERS_PER_WORD) {
                uint256 word = job.members[base / _MEMBERS_PER_WORD];
                uint256 end = size - base < _MEMBERS_PER_WORD ? size - base : _MEMBERS_PER_WORD;
                for (uint256 k; k < end; ++k) {
                    commits += (word >> (_FLAG_SHIFT + k)) & 1;
                    if ((word >> (48 * k)) & 0xFFFF != 0) ++reveals;
                }
            }
        }
    }

    /// @dev Commitments and matching reveals so far, counted from the member words.
    function _counts(uint256[3] memory words, uint256 size) private pure returns (uint256 commits, uint256 reveals) {
        unchecked {
            for (uint256 w; w * _MEMBERS_PER_WORD < size; ++w) {
                uint256 word = words[w];
                uint256 inWord = size - w * _MEMBERS_PER_WORD;
                if (inWord > _MEMBERS_PER_WORD) inWord = _MEMBERS_PER_WORD;
                for (uint256 k; k < inWord; ++k) {
                    commits += (word >> (_FLAG_SHIFT + k)) & 1;
                    if ((word >> (48 * k)) & 0xFFFF != 0) ++reveals;
                }
            }
        }
    }

    function _committed(uint256 word, uint256 index) private pure returns (bool) {
        return (word >> (_FLAG_SHIFT + index % _MEMBERS_PER_WORD)) & 1 == 1;
    }

    function _status(uint256 phase) private pure returns (JobStatus) {
        return JobStatus(uint8(phase >> _P_STATUS));
    }

    function _size(uint256 phase) private pure returns (uint256) {
        return uint8(phase >> _P_SIZE);
    }

    function _quorum(uint256 phase) private pure returns (uint256) {
        return uint8(phase >> _P_QUORUM);
    }

    function _commitDeadline(uint256 phase) private pure returns (uint256) {
        return uint256(uint40(phase >> _P_REQ)) + uint16(phase >> _P_CW);
    }

    function _revealDeadline(uint256 phase) private pure returns (uint256) {
        return _commitDeadline(phase) + uint16(phase >> _P_RW);
    }

    function _isModelActive(uint32 modelId) private view returns (bool) {
        // A registry that reverts for an unknown id means the same as "not active".
        try _registry.isActive(modelId) returns (bool active) {
            return active;
        } catch {
            return false;
        }
    }

    function _checkBounds(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        // Revert if the value is outside [min, max].
        if (value < min || value > max) revert ParameterOutOfBounds(name, value, min, max);
    }

    /// @dev The 48-bit entry of member `index` in its word.
    function _entry(uint256 word, uint256 index) private pure returns (uint256) {
        return (word >> (48 * (index % _MEMBERS_PER_WORD))) & 0xFFFFFFFFFFFF;
    }

    function _decodeScore(uint256 enc) private pure returns (uint16) {
        return enc == _ENC_INVALID ? INVALID_SCORE : uint16(enc - 1);
    }

    function _within(uint256 score, uint256 median, uint256 tolerance) private pure returns (bool) {
        return score >= median ? score - median <= tolerance : median - score <= tolerance;
    }
}

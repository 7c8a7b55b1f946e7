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
/// @dev Storage is packed for gas (see JobStore): a job costs four new slots at request time
/// (five with a callback; six or seven for committees above 5 or 10) plus one commitment slot per
/// member; the committee is kept as 28-bit miner ids (five members, their revealed scores and
/// reveal order per slot) instead of 20-byte addresses, and a miner's id and counters share one
/// slot. Settlement uses the parameters in force when the job ends (committee size and quorum are
/// fixed per job at request time). Even committees and even reveal counts take the lower middle
/// value as the median, so the result is always a score some member revealed.
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

    // ------------------------------------------------------------------ errors (additions)
    /// @notice Thrown by requestVerification() if the fee does not fit in 96 bits.
    error FeeTooHigh(uint256 fee, uint256 max);
    /// @notice Thrown by requestVerification() if the 2^28 - 1 miner ids are used up.
    error MinerIdsExhausted();
    /// @notice Thrown by finalize() and the last reveal if the transaction did not bring enough gas
    /// to give the consumer callback its full callbackGasLimit (EIP-150 keeps 1/64 back).
    error InsufficientGasForCallback(uint256 jobId, uint256 gasLeft, uint256 required);

    // ------------------------------------------------------------------ types
    /// @dev A job: four words written at request (five with a callback), then one commitment
    /// word per member.
    struct JobStore {
        // word 0: written once at request
        address requester;
        uint96 fee;
        // word 1: the phase word, touched by every commit and reveal (248 bits, so `callback`
        // starts the next word)
        uint40 requestBlock;
        uint40 commitDeadline;
        uint16 revealWindow; // revealDeadline = commitDeadline + revealWindow
        uint40 finalBlock;
        JobStatus status;
        FailureReason failure;
        uint8 committeeSize;
        uint8 quorum;
        uint8 commitCount;
        uint8 revealCount;
        uint16 result;
        bool verdict;
        uint32 modelId;
        bool hasCallback; // saves settlement a cold read of word 2 when there is none
        // word 2: written at request only when there is a callback
        address callback;
        uint32 callbackGasLimit;
        // word 3
        bytes32 inputHash;
        // words 4..6: member i at bits [48*(i%5), 48*(i%5)+48) of word i/5: bits 0-15 the
        // encoded revealed score (0 = not revealed), 16-19 its place in reveal order, 20-47 the
        // miner id
        uint256[3] members;
        // words 7..21
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

    /// @dev Working memory of one settlement.
    struct Settlement {
        JobStatus status;
        FailureReason failure;
        uint16 median;
        bool verdict;
        uint256 agreeCount;
        uint256 proposer; // member index
        uint256 protocolFee;
        uint256 share;
        uint256 proposerExtra;
    }

    // ------------------------------------------------------------------ immutables
    IPohStaking private immutable _staking;
    IModelRegistry private immutable _registry;
    IPohEmission private immutable _emission;

    // ------------------------------------------------------------------ storage
    Params private _params;
    address private _treasury;
    uint64 private _jobCount;
    uint32 private _minerCount;
    uint128 private _totalEscrowed;
    uint128 private _totalClaimable;
    mapping(uint256 jobId => JobStore) private _jobs;
    mapping(address miner => MinerStore) private _miners;
    mapping(uint32 id => address miner) private _minerById;
    mapping(address account => uint256 amount) private _claimable;

    // ------------------------------------------------------------------ constructor
    /// @param admin default admin; also gets GOVERNOR_ROLE and PAUSER_ROLE
    /// @param staking_ the PohStaking contract (committee draws, stakes, slashing)
    /// @param registry_ the ModelRegistry
    /// @param emission_ the PohEmission contract (work points)
    /// @param treasury_ receives protocol fees
    constructor(address admin, address staking_, address registry_, address emission_, address treasury_)
        AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin)
    {
        // Revert if any address is zero (the admin is checked by AccessControlDefaultAdminRules).
        if (staking_ == address(0) || registry_ == address(0) || emission_ == address(0) || treasury_ == address(0)) {
            revert ZeroAddress();
        }
        _staking = IPohStaking(staking_);
        _registry = IModelRegistry(registry_);
        _emission = IPohEmission(emission_);
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

    /// @dev Draws the committee, stores the job and emits JobRequested. The caller has checked the
    /// request and accounts for the escrow.
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
        uint256 size = p.committeeSize;
        // Reverts with IPohStaking.NotEnoughMiners if fewer than `size` miners can be drawn.
        address[] memory committee = _staking.drawCommittee(keccak256(abi.encode(block.prevrandao, jobId)), size);

        JobStore storage job = _jobs[jobId];
        uint40 commitDeadline = uint40(block.number + p.commitWindow);
        uint40 revealDeadline = commitDeadline + p.revealWindow;
        job.requester = msg.sender;
        job.fee = uint96(t.fee);
        if (t.callback != address(0)) {
            job.callback = t.callback;
            job.callbackGasLimit = t.callbackGasLimit;
            job.hasCallback = true;
        }
        job.modelId = t.modelId;
        job.requestBlock = uint40(block.number);
        job.commitDeadline = commitDeadline;
        job.revealWindow = uint16(p.revealWindow);
        job.status = JobStatus.Pending;
        job.committeeSize = uint8(size);
        job.quorum = p.quorum;
        job.inputHash = inputHash;

        uint256[3] memory words;
        for (uint256 i; i < size; ++i) {
            uint256 id = _joinCommittee(committee[i]);
            words[i / _MEMBERS_PER_WORD] |= id << (48 * (i % _MEMBERS_PER_WORD) + _ID_SHIFT);
        }
        for (uint256 w; w * _MEMBERS_PER_WORD < size; ++w) {
            job.members[w] = words[w];
        }

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
            revealDeadline,
            t.callback,
            t.callbackGasLimit
        );
    }

    // ------------------------------------------------------------------ miners
    /// @inheritdoc IPohCoordinator
    function commit(uint256 jobId, bytes32 commitment) external {
        _commit(jobId, commitment, _miners[msg.sender].id);
    }

    /// @inheritdoc IPohCoordinator
    /// @dev All or nothing: one failing commit reverts the batch.
    function commitBatch(uint256[] calldata jobIds, bytes32[] calldata commitments) external {
        uint256 n = jobIds.length;
        // Revert if the arrays are empty or differ in length.
        if (n == 0 || n != commitments.length) revert LengthMismatch();
        uint32 id = _miners[msg.sender].id;
        for (uint256 i; i < n; ++i) {
            _commit(jobIds[i], commitments[i], id);
        }
    }

    /// @inheritdoc IPohCoordinator
    function reveal(uint256 jobId, uint16 scoreBps, bytes32 salt) external nonReentrant {
        _reveal(jobId, scoreBps, salt, _miners[msg.sender].id);
    }

    /// @inheritdoc IPohCoordinator
    /// @dev All or nothing for reverts; a mismatching reveal only emits RevealMismatched.
    function revealBatch(uint256[] calldata jobIds, uint16[] calldata scoresBps, bytes32[] calldata salts)
        external
        nonReentrant
    {
        uint256 n = jobIds.length;
        // Revert if the arrays are empty or differ in length.
        if (n == 0 || n != scoresBps.length || n != salts.length) revert LengthMismatch();
        uint32 id = _miners[msg.sender].id;
        for (uint256 i; i < n; ++i) {
            _reveal(jobIds[i], scoresBps[i], salts[i], id);
        }
    }

    // ------------------------------------------------------------------ anyone
    /// @inheritdoc IPohCoordinator
    function finalize(uint256 jobId) external nonReentrant {
        JobStore storage job = _jobs[jobId];
        JobStatus status = job.status;
        // Revert if the job does not exist.
        if (status == JobStatus.None) revert UnknownJob(jobId);
        // Revert if the job already ended.
        if (status != JobStatus.Pending) revert JobAlreadyEnded(jobId);
        // Revert if the reveal phase is still open or fewer than quorum members revealed.
        uint256 reveals = job.revealCount;
        bool allRevealed = reveals == job.commitCount && _commitPhaseOver(job);
        if (reveals < job.quorum || !(allRevealed || block.number > _revealDeadline(job))) {
            revert NotFinalizable(jobId);
        }
        _settle(jobId, job);
    }

    /// @inheritdoc IPohCoordinator
    /// @dev Also allowed once the commit phase is over with fewer than quorum commitments, since
    /// such a job can no longer reach a quorum.
    function expire(uint256 jobId) external nonReentrant {
        JobStore storage job = _jobs[jobId];
        JobStatus status = job.status;
        // Revert if the job does not exist.
        if (status == JobStatus.None) revert UnknownJob(jobId);
        // Revert if the job already ended.
        if (status != JobStatus.Pending) revert JobAlreadyEnded(jobId);
        // Revert if the job can still reach a quorum of reveals.
        uint256 quorum = job.quorum;
        bool noQuorumOfReveals = block.number > _revealDeadline(job) && job.revealCount < quorum;
        bool noQuorumOfCommits = block.number > job.commitDeadline && job.commitCount < quorum;
        if (!(noQuorumOfReveals || noQuorumOfCommits)) revert NotExpirable(jobId);
        _settle(jobId, job);
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
    function getJob(uint256 jobId) external view returns (Job memory job) {
        JobStore storage s = _jobs[jobId];
        // Revert if the job does not exist.
        if (s.status == JobStatus.None) revert UnknownJob(jobId);
        job.requester = s.requester;
        job.modelId = s.modelId;
        job.status = s.status;
        job.failure = s.failure;
        job.committeeSize = s.committeeSize;
        job.quorum = s.quorum;
        job.commitCount = s.commitCount;
        job.revealCount = s.revealCount;
        job.result = s.result;
        job.verdict = s.verdict;
        job.requestBlock = s.requestBlock;
        job.commitDeadline = s.commitDeadline;
        job.revealDeadline = uint64(_revealDeadline(s));
        job.finalBlock = s.finalBlock;
        job.callback = s.callback;
        job.callbackGasLimit = s.callbackGasLimit;
        job.fee = s.fee;
        job.inputHash = s.inputHash;
        uint256 size = s.committeeSize;
        job.committee = new address[](size);
        for (uint256 i; i < size; ++i) {
            job.committee[i] = _minerById[uint32(_entry(s.members[i / _MEMBERS_PER_WORD], i) >> _ID_SHIFT)];
        }
    }

    /// @inheritdoc IPohCoordinator
    function jobCount() external view returns (uint256) {
        return _jobCount;
    }

    /// @inheritdoc IPohCoordinator
    /// @dev Returns all false for an unknown job.
    function getMember(uint256 jobId, address miner)
        external
        view
        returns (bool isMember, bool committed, bool revealed, uint16 scoreBps)
    {
        JobStore storage job = _jobs[jobId];
        uint32 id = _miners[miner].id;
        if (job.status == JobStatus.None || id == 0) return (false, false, false, 0);
        uint256 size = job.committeeSize;
        for (uint256 i; i < size; ++i) {
            uint256 entry = _entry(job.members[i / _MEMBERS_PER_WORD], i);
            if (entry >> _ID_SHIFT == id) {
                uint256 enc = entry & 0xFFFF;
                revealed = enc != 0;
                return (true, job.commitments[i] != bytes32(0), revealed, revealed ? _decodeScore(enc) : 0);
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
    function _commit(uint256 jobId, bytes32 commitment, uint32 minerId) private {
        JobStore storage job = _jobs[jobId];
        JobStatus status = job.status;
        // Revert if the job does not exist.
        if (status == JobStatus.None) revert UnknownJob(jobId);
        // Revert if the job ended, the commit deadline passed or every member already committed.
        if (
            status != JobStatus.Pending || block.number > job.commitDeadline
                || job.commitCount == job.committeeSize
        ) revert CommitPhaseOver(jobId);
        // Revert if the commitment is zero (zero marks "not committed").
        if (commitment == bytes32(0)) revert EmptyCommitment();
        // Revert if the caller is not on the committee.
        (uint256 index,) = _memberIndex(job, jobId, minerId);
        // Revert if the caller already committed.
        if (job.commitments[index] != bytes32(0)) revert AlreadyCommitted(jobId, msg.sender);

        job.commitments[index] = commitment;
        ++job.commitCount;
        emit Committed(jobId, msg.sender, commitment);
    }

    function _reveal(uint256 jobId, uint16 scoreBps, bytes32 salt, uint32 minerId) private {
        JobStore storage job = _jobs[jobId];
        JobStatus status = job.status;
        // Revert if the job does not exist.
        if (status == JobStatus.None) revert UnknownJob(jobId);
        // Revert if the job ended or the reveal deadline passed.
        if (status != JobStatus.Pending || block.number > _revealDeadline(job)) revert RevealPhaseOver(jobId);
        // Revert if some member may still commit.
        uint256 commits = job.commitCount;
        if (commits < job.committeeSize && block.number <= job.commitDeadline) revert RevealPhaseNotStarted(jobId);
        // Revert if the score is neither 0..10000 nor 65535.
        if (scoreBps > MAX_SCORE && scoreBps != INVALID_SCORE) revert InvalidScore(scoreBps);
        // Revert if the caller is not on the committee.
        (uint256 index, uint256 word) = _memberIndex(job, jobId, minerId);
        bytes32 commitment = job.commitments[index];
        // Revert if the caller did not commit.
        if (commitment == bytes32(0)) revert NotCommitted(jobId, msg.sender);
        // Revert if the caller already revealed.
        uint256 shift = 48 * (index % _MEMBERS_PER_WORD);
        if ((word >> shift) & 0xFFFF != 0) revert AlreadyRevealed(jobId, msg.sender);

        if (keccak256(abi.encode(jobId, msg.sender, scoreBps, salt)) != commitment) {
            // Counts as no reveal; the member may still reveal correctly before the deadline.
            emit RevealMismatched(jobId, msg.sender);
            return;
        }
        uint256 enc = scoreBps == INVALID_SCORE ? _ENC_INVALID : uint256(scoreBps) + 1;
        uint256 reveals = job.revealCount;
        job.members[index / _MEMBERS_PER_WORD] = word | ((enc | (reveals << 16)) << shift);
        job.revealCount = uint8(++reveals);
        emit Revealed(jobId, msg.sender, scoreBps);

        // The reveal phase is open, so no member can commit any more: the last reveal settles.
        if (reveals == commits) _settle(jobId, job);
    }

    // ------------------------------------------------------------------ private: settlement
    /// @dev Ends a pending job: decides the outcome, credits the fee (rewards + protocol fee, or a
    /// full refund), updates the members' counters, then slashes, records work and finally calls
    /// the consumer back.
    function _settle(uint256 jobId, JobStore storage job) private {
        Params memory p = _params;
        uint256 size = job.committeeSize;
        uint256[3] memory words;
        for (uint256 w; w * _MEMBERS_PER_WORD < size; ++w) {
            words[w] = job.members[w];
        }
        Settlement memory s = _decide(job, words, p);

        // Effects: the job.
        uint256 fee = job.fee;
        job.status = s.status;
        job.failure = s.failure;
        job.finalBlock = uint40(block.number);
        if (s.status == JobStatus.Final) {
            job.result = s.median;
            job.verdict = s.verdict;
        }
        _totalEscrowed -= uint128(fee);
        _totalClaimable += uint128(fee);

        // Effects: the members.
        address[] memory slashed = new address[](size);
        uint8[] memory slashReasons = new uint8[](size);
        uint256 slashCount;
        address[] memory workers = new address[](s.agreeCount);
        uint256[] memory points = new uint256[](s.agreeCount);
        uint256 workerCount;
        for (uint256 i; i < size; ++i) {
            uint256 entry = _entry(words[i / _MEMBERS_PER_WORD], i);
            address miner = _minerById[uint32(entry >> _ID_SHIFT)];
            MemberOutcome outcome = _memberOutcome(job, s, entry & 0xFFFF, i, p.toleranceBps);

            MinerStore memory stats = _miners[miner];
            ++stats.served;
            --stats.openJobs;
            uint256 reward;
            if (outcome == MemberOutcome.Agreed) {
                ++stats.agreed;
                reward = i == s.proposer ? s.share + s.proposerExtra : s.share;
                _claimable[miner] += reward;
            } else if (outcome == MemberOutcome.Outlier) {
                ++stats.outlierFaults;
                slashed[slashCount] = miner;
                slashReasons[slashCount++] = uint8(MemberOutcome.Outlier);
            } else if (outcome != MemberOutcome.Unscored) {
                ++stats.livenessFaults;
                slashed[slashCount] = miner;
                slashReasons[slashCount++] = uint8(outcome);
            }
            _miners[miner] = stats;

            uint256 trust =
                TrustMath.multiplierBps(stats.agreed, uint256(stats.livenessFaults) + stats.outlierFaults);
            uint256 memberPoints;
            if (outcome == MemberOutcome.Agreed) {
                memberPoints = trust;
                workers[workerCount] = miner;
                points[workerCount++] = trust;
            }
            emit MemberSettled(jobId, miner, outcome, reward, memberPoints, trust);
        }

        if (s.status == JobStatus.Final) {
            _claimable[_treasury] += s.protocolFee;
            emit JobFinalized(
                jobId, s.median, s.verdict, _minerById[uint32(_entry(words[s.proposer / _MEMBERS_PER_WORD], s.proposer) >> _ID_SHIFT)],
                uint8(s.agreeCount), s.protocolFee
            );
        } else {
            _claimable[job.requester] += fee;
            emit JobFailed(jobId, s.failure, fee);
        }

        // Interactions with the protocol's own contracts.
        for (uint256 k; k < slashCount; ++k) {
            bool outlier = slashReasons[k] == uint8(MemberOutcome.Outlier);
            uint256 bps = outlier ? p.outlierPenaltyBps : p.livenessPenaltyBps;
            if (bps != 0) {
                _staking.slash(
                    slashed[k],
                    jobId,
                    outlier ? IPohStaking.SlashReason.Outlier : IPohStaking.SlashReason.Liveness,
                    bps
                );
            }
        }
        if (workerCount != 0) _emission.recordWork(jobId, workers, points);

        // The consumer, last.
        if (s.status == JobStatus.Final && job.hasCallback) {
            address callback = job.callback;
            _deliver(jobId, callback, job.callbackGasLimit, s.median, s.verdict);
        }
    }

    /// @dev The outcome of a job from its reveals: status, median, agreeing count, proposer, shares.
    function _decide(JobStore storage job, uint256[3] memory words, Params memory p)
        private
        view
        returns (Settlement memory s)
    {
        uint256 reveals = job.revealCount;
        uint256 quorum = job.quorum;
        if (reveals < quorum) {
            s.status = JobStatus.Failed;
            s.failure = FailureReason.Expired;
            return s;
        }
        // Member indexes in reveal order, and the valid scores.
        uint256[] memory byOrder = new uint256[](reveals);
        uint256[] memory scores = new uint256[](reveals);
        uint256 valid;
        uint256 size = job.committeeSize;
        for (uint256 i; i < size; ++i) {
            uint256 entry = _entry(words[i / _MEMBERS_PER_WORD], i);
            uint256 enc = entry & 0xFFFF;
            if (enc == 0) continue;
            byOrder[(entry >> 16) & 0xF] = i;
            if (enc != _ENC_INVALID) scores[valid++] = enc - 1;
        }
        if (reveals - valid >= quorum) {
            s.status = JobStatus.Failed;
            s.failure = FailureReason.InputInvalid;
            return s;
        }
        s.median = uint16(PohMath.lowerMedian(scores, valid));
        // Count agreement and find the proposer: the first agreeing member in reveal order.
        uint256 tolerance = p.toleranceBps;
        s.proposer = type(uint256).max;
        for (uint256 k; k < reveals; ++k) {
            uint256 index = byOrder[k];
            uint256 enc = _entry(words[index / _MEMBERS_PER_WORD], index) & 0xFFFF;
            if (enc != _ENC_INVALID && _within(enc - 1, s.median, tolerance)) {
                if (s.agreeCount == 0) s.proposer = index;
                ++s.agreeCount;
            }
        }
        if (s.agreeCount < quorum) {
            s.status = JobStatus.Failed;
            s.failure = FailureReason.NoAgreement;
            s.agreeCount = 0;
            s.proposer = type(uint256).max;
            return s;
        }
        s.status = JobStatus.Final;
        s.verdict = s.median >= p.thresholdBps;
        (s.protocolFee, s.share, s.proposerExtra) =
            PohMath.splitFee(job.fee, s.agreeCount, p.protocolFeeBps, p.proposerBonusBps);
    }

    function _memberOutcome(JobStore storage job, Settlement memory s, uint256 enc, uint256 index, uint256 tolerance)
        private
        view
        returns (MemberOutcome)
    {
        if (enc == 0) {
            return job.commitments[index] == bytes32(0) ? MemberOutcome.NoCommit : MemberOutcome.NoReveal;
        }
        if (s.status != JobStatus.Final) return MemberOutcome.Unscored;
        if (enc != _ENC_INVALID && _within(enc - 1, s.median, tolerance)) return MemberOutcome.Agreed;
        return MemberOutcome.Outlier;
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

    /// @dev Finds the caller's slot on the committee; returns its index and the word holding it.
    function _memberIndex(JobStore storage job, uint256 jobId, uint32 minerId)
        private
        view
        returns (uint256 index, uint256 word)
    {
        if (minerId != 0) {
            uint256 size = job.committeeSize;
            for (uint256 i; i < size; ++i) {
                if (i % _MEMBERS_PER_WORD == 0) word = job.members[i / _MEMBERS_PER_WORD];
                if (_entry(word, i) >> _ID_SHIFT == minerId) return (i, word);
            }
        }
        revert NotCommitteeMember(jobId, msg.sender);
    }

    function _revealDeadline(JobStore storage job) private view returns (uint256) {
        return uint256(job.commitDeadline) + job.revealWindow;
    }

    function _commitPhaseOver(JobStore storage job) private view returns (bool) {
        return job.commitCount == job.committeeSize || block.number > job.commitDeadline;
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

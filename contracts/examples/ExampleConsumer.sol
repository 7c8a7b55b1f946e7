// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPohConsumer} from "../interfaces/IPohConsumer.sol";
import {IPohCoordinator} from "../interfaces/IPohCoordinator.sol";

/// @title ExampleConsumer
/// @notice An integrator contract that gates an action on a PoH Network verdict: an account asks
/// for verification through this contract (paying the fee), the coordinator delivers the verdict
/// to `onVerification`, and `signUp` opens for that account only after a human verdict on a job
/// it requested itself.
/// @dev Refunds of failed jobs are credited by the coordinator to this contract (the requester);
/// the owner pulls them with `withdrawRefunds`.
contract ExampleConsumer is IPohConsumer {
    /// @notice Gas the coordinator may spend on `onVerification` (well above what it uses).
    uint32 public constant CALLBACK_GAS_LIMIT = 100_000;

    /// @notice Thrown by the constructor if the coordinator address is zero.
    error ZeroAddress();
    /// @notice Thrown by onVerification() if the caller is not the coordinator.
    error NotCoordinator(address caller);
    /// @notice Thrown by onVerification() if the job was not requested through this contract.
    error UnknownJob(uint256 jobId);
    /// @notice Thrown by onVerification() if the job's verdict was already delivered.
    error AlreadyDelivered(uint256 jobId);
    /// @notice Thrown by signUp() if the caller has no human verdict.
    error NotVerified(address account);
    /// @notice Thrown by signUp() if the caller already signed up.
    error AlreadySignedUp(address account);
    /// @notice Thrown by withdrawRefunds() if the caller is not the owner.
    error NotOwner(address caller);
    /// @notice Thrown by withdrawRefunds() if forwarding the native coin fails.
    error TransferFailed(address to, uint256 amount);

    /// @notice Emitted when an account requests verification through this contract.
    event VerificationRequested(uint256 indexed jobId, address indexed account, uint256 fee);
    /// @notice Emitted when the coordinator delivers a verdict.
    event VerificationReceived(uint256 indexed jobId, address indexed account, uint16 scoreBps, bool isHuman);
    /// @notice Emitted when a verified account signs up.
    event SignedUp(address indexed account, uint256 indexed jobId);
    /// @notice Emitted when the owner pulls refunded fees.
    event RefundsWithdrawn(address indexed to, uint256 amount);

    IPohCoordinator private immutable _coordinator;
    uint32 private immutable _modelId;
    address private immutable _owner;

    mapping(uint256 jobId => address account) private _jobAccount;
    mapping(uint256 jobId => bool delivered) private _delivered;
    mapping(address account => uint256 jobId) private _humanJob;
    mapping(address account => bool done) private _signedUp;

    /// @param coordinator_ the PoH coordinator
    /// @param modelId_ the model version to ask for
    constructor(address coordinator_, uint32 modelId_) {
        // Revert if the coordinator is zero.
        if (coordinator_ == address(0)) revert ZeroAddress();
        _coordinator = IPohCoordinator(coordinator_);
        _modelId = modelId_;
        _owner = msg.sender;
    }

    /// @notice Lets this contract receive the refunds it pulls from the coordinator.
    receive() external payable {}

    /// @notice Asks PoH Network whether the caller's session (stored at `inputURI`, keccak256
    /// `inputHash`) is human. msg.value is the fee.
    function requestVerification(bytes32 inputHash, string calldata inputURI) external payable returns (uint256 jobId) {
        jobId = _coordinator.requestVerification{value: msg.value}(
            _modelId, inputHash, inputURI, address(this), CALLBACK_GAS_LIMIT
        );
        _jobAccount[jobId] = msg.sender;
        emit VerificationRequested(jobId, msg.sender, msg.value);
    }

    /// @inheritdoc IPohConsumer
    function onVerification(uint256 jobId, uint16 scoreBps, bool isHuman) external {
        // Revert if the caller is not the coordinator.
        if (msg.sender != address(_coordinator)) revert NotCoordinator(msg.sender);
        address account = _jobAccount[jobId];
        // Revert if the job was not requested through this contract.
        if (account == address(0)) revert UnknownJob(jobId);
        // Revert if this job's verdict was already delivered.
        if (_delivered[jobId]) revert AlreadyDelivered(jobId);

        _delivered[jobId] = true;
        if (isHuman) _humanJob[account] = jobId;
        emit VerificationReceived(jobId, account, scoreBps, isHuman);
    }

    /// @notice The gated action: open only to accounts with a human verdict.
    function signUp() external {
        uint256 jobId = _humanJob[msg.sender];
        // Revert if the caller has no human verdict.
        if (jobId == 0) revert NotVerified(msg.sender);
        // Revert if the caller already signed up.
        if (_signedUp[msg.sender]) revert AlreadySignedUp(msg.sender);

        _signedUp[msg.sender] = true;
        emit SignedUp(msg.sender, jobId);
    }

    /// @notice Pulls the fees the coordinator refunded for failed jobs and sends them to `to`.
    function withdrawRefunds(address payable to) external {
        // Revert if the caller is not the owner.
        if (msg.sender != _owner) revert NotOwner(msg.sender);
        // Revert if `to` is zero.
        if (to == address(0)) revert ZeroAddress();

        if (_coordinator.claimable(address(this)) > 0) _coordinator.withdraw();
        uint256 amount = address(this).balance;
        emit RefundsWithdrawn(to, amount);
        (bool ok,) = to.call{value: amount}("");
        // Revert if forwarding failed.
        if (!ok) revert TransferFailed(to, amount);
    }

    /// @notice The coordinator this contract trusts.
    function coordinator() external view returns (address) {
        return address(_coordinator);
    }

    /// @notice The model version this contract asks for.
    function modelId() external view returns (uint32) {
        return _modelId;
    }

    /// @notice The deployer, who may pull refunds.
    function owner() external view returns (address) {
        return _owner;
    }

    /// @notice The account that requested `jobId` through this contract (zero if none).
    function accountOf(uint256 jobId) external view returns (address) {
        return _jobAccount[jobId];
    }

    /// @notice Whether `jobId`'s verdict has been delivered.
    function isDelivered(uint256 jobId) external view returns (bool) {
        return _delivered[jobId];
    }

    /// @notice The job whose human verdict verified `account`, or 0.
    function humanJobOf(address account) external view returns (uint256) {
        return _humanJob[account];
    }

    /// @notice Whether `account` may sign up now.
    function isVerified(address account) external view returns (bool) {
        return _humanJob[account] != 0;
    }

    /// @notice Whether `account` has signed up.
    function isSignedUp(address account) external view returns (bool) {
        return _signedUp[account];
    }
}

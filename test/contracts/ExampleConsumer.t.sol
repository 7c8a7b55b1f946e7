// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {vm} from "./utils/Vm.sol";
import {TestBase} from "./utils/TestBase.sol";
import {IPohConsumer} from "../../contracts/interfaces/IPohConsumer.sol";
import {ExampleConsumer} from "../../contracts/examples/ExampleConsumer.sol";

/// @dev The slice of the coordinator that ExampleConsumer calls, recording what it was sent, plus
/// `deliver` to play the coordinator's callback. The real coordinator is exercised end to end in
/// test/e2e.
contract CoordinatorStub {
    uint256 public jobCount;
    uint32 public lastModelId;
    bytes32 public lastInputHash;
    string public lastInputURI;
    address public lastCallback;
    uint32 public lastCallbackGasLimit;
    uint256 public lastFee;
    mapping(address => uint256) public claimable;

    function requestVerification(
        uint32 modelId,
        bytes32 inputHash,
        string calldata inputURI,
        address callback,
        uint32 callbackGasLimit
    ) external payable returns (uint256) {
        lastModelId = modelId;
        lastInputHash = inputHash;
        lastInputURI = inputURI;
        lastCallback = callback;
        lastCallbackGasLimit = callbackGasLimit;
        lastFee = msg.value;
        return ++jobCount;
    }

    function deliver(address consumer, uint256 jobId, uint16 scoreBps, bool isHuman) external {
        IPohConsumer(consumer).onVerification(jobId, scoreBps, isHuman);
    }

    function credit(address account) external payable {
        claimable[account] += msg.value;
    }

    function withdraw() external {
        uint256 amount = claimable[msg.sender];
        claimable[msg.sender] = 0;
        (bool ok,) = msg.sender.call{value: amount}("");
        require(ok, "stub: send failed");
    }
}

/// @dev Refuses native coin, to make a transfer fail.
contract Refuser {
    receive() external payable {
        revert("no");
    }
}

contract ExampleConsumerTest is TestBase {
    event VerificationRequested(uint256 indexed jobId, address indexed account, uint256 fee);
    event VerificationReceived(uint256 indexed jobId, address indexed account, uint16 scoreBps, bool isHuman);
    event SignedUp(address indexed account, uint256 indexed jobId);
    event RefundsWithdrawn(address indexed to, uint256 amount);

    bytes32 private constant INPUT_HASH = keccak256("payload");
    string private constant INPUT_URI = "http://127.0.0.1:44001/p/0x01";
    uint256 private constant FEE = 0.0001 ether;

    CoordinatorStub private coordinator;
    ExampleConsumer private consumer;
    address private alice;
    address private bob;

    function setUp() public {
        coordinator = new CoordinatorStub();
        consumer = new ExampleConsumer(address(coordinator), 1);
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        vm.deal(alice, 1 ether);
        vm.deal(bob, 1 ether);
    }

    function _request(address account) private returns (uint256 jobId) {
        vm.prank(account);
        jobId = consumer.requestVerification{value: FEE}(INPUT_HASH, INPUT_URI);
    }

    // ------------------------------------------------------------------ constructor

    function test_constructor_SetsCoordinatorModelAndOwner() public {
        ExampleConsumer c = new ExampleConsumer(address(coordinator), 7);
        assertEq(c.coordinator(), address(coordinator), "coordinator");
        assertEq(uint256(c.modelId()), 7, "modelId");
        assertEq(c.owner(), address(this), "owner");
    }

    function test_constructor_RevertWhen_CoordinatorIsZero() public {
        vm.expectRevert(ExampleConsumer.ZeroAddress.selector);
        new ExampleConsumer(address(0), 1);
    }

    // ------------------------------------------------------------------ requestVerification

    function test_requestVerification_ForwardsFeeInputAndCallback() public {
        uint256 jobId = _request(alice);
        assertEq(jobId, 1, "job id");
        assertEq(uint256(coordinator.lastModelId()), 1, "model id");
        assertEq(coordinator.lastInputHash(), INPUT_HASH, "input hash");
        assertEq(coordinator.lastInputURI(), INPUT_URI, "input uri");
        assertEq(coordinator.lastCallback(), address(consumer), "callback");
        assertEq(uint256(coordinator.lastCallbackGasLimit()), consumer.CALLBACK_GAS_LIMIT(), "callback gas");
        assertEq(coordinator.lastFee(), FEE, "fee");
        assertEq(address(coordinator).balance, FEE, "fee escrowed by the coordinator");
        assertEq(consumer.accountOf(jobId), alice, "account of job");
    }

    function test_requestVerification_EmitsVerificationRequested() public {
        vm.expectEmit(address(consumer));
        emit VerificationRequested(1, alice, FEE);
        _request(alice);
    }

    // ------------------------------------------------------------------ onVerification

    function test_onVerification_HumanVerdictUnlocksSignUp() public {
        uint256 jobId = _request(alice);
        coordinator.deliver(address(consumer), jobId, 9100, true);
        assertTrue(consumer.isDelivered(jobId), "delivered");
        assertTrue(consumer.isVerified(alice), "alice verified");
        assertEq(consumer.humanJobOf(alice), jobId, "human job");
        assertFalse(consumer.isVerified(bob), "bob not verified");
    }

    function test_onVerification_EmitsVerificationReceived() public {
        uint256 jobId = _request(alice);
        vm.expectEmit(address(consumer));
        emit VerificationReceived(jobId, alice, 1200, false);
        coordinator.deliver(address(consumer), jobId, 1200, false);
    }

    function test_onVerification_BotVerdictKeepsSignUpLocked() public {
        uint256 jobId = _request(alice);
        coordinator.deliver(address(consumer), jobId, 1200, false);
        assertTrue(consumer.isDelivered(jobId), "delivered");
        assertFalse(consumer.isVerified(alice), "alice must stay unverified");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ExampleConsumer.NotVerified.selector, alice));
        consumer.signUp();
    }

    function test_onVerification_RevertWhen_CallerIsNotCoordinator() public {
        uint256 jobId = _request(alice);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ExampleConsumer.NotCoordinator.selector, alice));
        consumer.onVerification(jobId, 9100, true);
    }

    function test_onVerification_RevertWhen_JobWasNotRequestedHere() public {
        vm.expectRevert(abi.encodeWithSelector(ExampleConsumer.UnknownJob.selector, 42));
        coordinator.deliver(address(consumer), 42, 9100, true);
    }

    function test_onVerification_RevertWhen_AlreadyDelivered() public {
        uint256 jobId = _request(alice);
        coordinator.deliver(address(consumer), jobId, 1200, false);
        vm.expectRevert(abi.encodeWithSelector(ExampleConsumer.AlreadyDelivered.selector, jobId));
        coordinator.deliver(address(consumer), jobId, 9100, true);
    }

    function testFuzz_onVerification_OnlyAHumanVerdictUnlocks(uint16 scoreBps, bool isHuman) public {
        uint256 jobId = _request(alice);
        coordinator.deliver(address(consumer), jobId, scoreBps, isHuman);
        assertEq(consumer.isVerified(alice), isHuman, "verified iff human verdict");
    }

    // ------------------------------------------------------------------ signUp

    function test_signUp_SucceedsAfterHumanVerdict() public {
        uint256 jobId = _request(alice);
        coordinator.deliver(address(consumer), jobId, 9100, true);
        vm.expectEmit(address(consumer));
        emit SignedUp(alice, jobId);
        vm.prank(alice);
        consumer.signUp();
        assertTrue(consumer.isSignedUp(alice), "signed up");
    }

    function test_signUp_RevertWhen_NotVerified() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ExampleConsumer.NotVerified.selector, bob));
        consumer.signUp();
    }

    function test_signUp_RevertWhen_VerdictBelongsToAnotherAccount() public {
        uint256 jobId = _request(alice);
        coordinator.deliver(address(consumer), jobId, 9100, true);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ExampleConsumer.NotVerified.selector, bob));
        consumer.signUp();
    }

    function test_signUp_RevertWhen_AlreadySignedUp() public {
        uint256 jobId = _request(alice);
        coordinator.deliver(address(consumer), jobId, 9100, true);
        vm.prank(alice);
        consumer.signUp();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ExampleConsumer.AlreadySignedUp.selector, alice));
        consumer.signUp();
    }

    // ------------------------------------------------------------------ withdrawRefunds

    function test_withdrawRefunds_ForwardsCreditedRefunds() public {
        coordinator.credit{value: FEE}(address(consumer));
        address payable to = payable(makeAddr("treasury"));
        vm.expectEmit(address(consumer));
        emit RefundsWithdrawn(to, FEE);
        consumer.withdrawRefunds(to);
        assertEq(to.balance, FEE, "refund forwarded");
        assertEq(coordinator.claimable(address(consumer)), 0, "credit pulled");
        assertEq(address(consumer).balance, 0, "nothing left behind");
    }

    function test_withdrawRefunds_RevertWhen_CallerIsNotOwner() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ExampleConsumer.NotOwner.selector, alice));
        consumer.withdrawRefunds(payable(alice));
    }

    function test_withdrawRefunds_RevertWhen_RecipientIsZero() public {
        vm.expectRevert(ExampleConsumer.ZeroAddress.selector);
        consumer.withdrawRefunds(payable(address(0)));
    }

    function test_withdrawRefunds_RevertWhen_TransferFails() public {
        coordinator.credit{value: FEE}(address(consumer));
        address payable refuser = payable(address(new Refuser()));
        vm.expectRevert(abi.encodeWithSelector(ExampleConsumer.TransferFailed.selector, refuser, FEE));
        consumer.withdrawRefunds(refuser);
    }
}

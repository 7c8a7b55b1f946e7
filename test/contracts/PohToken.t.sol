// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {vm} from "./utils/Vm.sol";
import {TestBase} from "./utils/TestBase.sol";
import {PohToken} from "../../contracts/PohToken.sol";
import {IPohToken} from "../../contracts/interfaces/IPohToken.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

contract PohTokenTest is TestBase {
    PohToken internal token;
    address internal admin = makeAddr("admin");
    address internal treasury = makeAddr("treasury");
    address internal emission = makeAddr("emission");
    address internal alice = makeAddr("alice");

    uint256 internal constant CAP = 10_000_000_000e18;

    function setUp() public {
        token = new PohToken(admin, treasury);
    }

    // ------------------------------------------------------------ constructor

    function test_constructor_MintsTreasuryAllocation() public view {
        assertEq(token.name(), "PoH Network", "name");
        assertEq(token.symbol(), "POH", "symbol");
        assertEq(token.decimals(), 18, "decimals");
        assertEq(token.CAP(), CAP, "cap");
        assertEq(token.MINING_ALLOCATION(), (CAP * 4) / 10, "mining allocation");
        assertEq(token.TREASURY_ALLOCATION(), (CAP * 6) / 10, "treasury allocation");
        assertEq(token.totalSupply(), (CAP * 6) / 10, "supply");
        assertEq(token.balanceOf(treasury), (CAP * 6) / 10, "treasury balance");
        assertEq(token.miningMinted(), 0, "mining minted");
        assertEq(token.totalBurned(), 0, "burned");
        assertEq(token.emission(), address(0), "emission");
        assertTrue(token.hasRole(token.DEFAULT_ADMIN_ROLE(), admin), "admin role");
        assertEq(token.defaultAdmin(), admin, "default admin");
        assertEq(token.defaultAdminDelay(), 1 days, "admin delay");
    }

    function test_constructor_EmitsTransferToTreasury() public {
        vm.expectEmit();
        emit IERC20.Transfer(address(0), treasury, (CAP * 6) / 10);
        new PohToken(admin, treasury);
    }

    function test_constructor_RevertWhen_TreasuryIsZero() public {
        vm.expectRevert(IPohToken.ZeroAddress.selector);
        new PohToken(admin, address(0));
    }

    function test_constructor_RevertWhen_AdminIsZero() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, address(0))
        );
        new PohToken(address(0), treasury);
    }

    // ------------------------------------------------------------ setEmission

    function test_setEmission_SetsOnceAndEmits() public {
        vm.expectEmit();
        emit IPohToken.EmissionSet(emission);
        vm.prank(admin);
        token.setEmission(emission);
        assertEq(token.emission(), emission, "emission");
    }

    function test_setEmission_RevertWhen_AlreadySet() public {
        vm.prank(admin);
        token.setEmission(emission);
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IPohToken.EmissionAlreadySet.selector, emission));
        token.setEmission(alice);
    }

    function test_setEmission_RevertWhen_ZeroAddress() public {
        vm.prank(admin);
        vm.expectRevert(IPohToken.ZeroAddress.selector);
        token.setEmission(address(0));
    }

    function test_setEmission_RevertWhen_CallerNotAdmin() public {
        bytes32 role = token.DEFAULT_ADMIN_ROLE();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role));
        token.setEmission(emission);
    }

    // ------------------------------------------------------------- mintMining

    function test_mintMining_MintsAndCounts() public {
        vm.prank(admin);
        token.setEmission(emission);
        vm.expectEmit();
        emit IERC20.Transfer(address(0), alice, 5e18);
        vm.prank(emission);
        token.mintMining(alice, 5e18);
        assertEq(token.balanceOf(alice), 5e18, "balance");
        assertEq(token.miningMinted(), 5e18, "mining minted");
        assertEq(token.totalSupply(), (CAP * 6) / 10 + 5e18, "supply");
    }

    function test_mintMining_MintsWholeAllocationUpToCap() public {
        vm.prank(admin);
        token.setEmission(emission);
        uint256 alloc = token.MINING_ALLOCATION();
        vm.prank(emission);
        token.mintMining(alice, alloc);
        assertEq(token.totalSupply(), CAP, "supply == cap");
        vm.prank(emission);
        vm.expectRevert(abi.encodeWithSelector(IPohToken.MiningAllocationExceeded.selector, 1, 0));
        token.mintMining(alice, 1);
    }

    function test_mintMining_RevertWhen_EmissionNotSet() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPohToken.NotEmission.selector, alice));
        token.mintMining(alice, 1);
    }

    function test_mintMining_RevertWhen_ZeroAddressCallsBeforeEmissionSet() public {
        vm.prank(address(0));
        vm.expectRevert(abi.encodeWithSelector(IPohToken.NotEmission.selector, address(0)));
        token.mintMining(alice, 1);
    }

    function test_mintMining_RevertWhen_CallerNotEmission() public {
        vm.prank(admin);
        token.setEmission(emission);
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IPohToken.NotEmission.selector, admin));
        token.mintMining(alice, 1);
    }

    function test_mintMining_RevertWhen_AllocationExceeded() public {
        vm.prank(admin);
        token.setEmission(emission);
        uint256 alloc = token.MINING_ALLOCATION();
        vm.prank(emission);
        vm.expectRevert(abi.encodeWithSelector(IPohToken.MiningAllocationExceeded.selector, alloc + 1, alloc));
        token.mintMining(alice, alloc + 1);
    }

    function testFuzz_mintMining_NeverExceedsCap(uint256 a, uint256 b) public {
        vm.prank(admin);
        token.setEmission(emission);
        uint256 alloc = token.MINING_ALLOCATION();
        a = bound(a, 0, alloc);
        vm.prank(emission);
        token.mintMining(alice, a);
        b = bound(b, 0, alloc);
        if (a + b > alloc) {
            vm.prank(emission);
            vm.expectRevert(abi.encodeWithSelector(IPohToken.MiningAllocationExceeded.selector, b, alloc - a));
            token.mintMining(alice, b);
        } else {
            vm.prank(emission);
            token.mintMining(alice, b);
        }
        assertLe(token.totalSupply(), CAP, "supply <= cap");
        assertLe(token.miningMinted(), alloc, "minted <= allocation");
    }

    // ------------------------------------------------------------------- burn

    function test_burn_BurnsAndCounts() public {
        vm.expectEmit();
        emit IERC20.Transfer(treasury, address(0), 7e18);
        vm.prank(treasury);
        token.burn(7e18);
        assertEq(token.totalBurned(), 7e18, "burned");
        assertEq(token.totalSupply(), (CAP * 6) / 10 - 7e18, "supply");
        assertEq(token.balanceOf(treasury), (CAP * 6) / 10 - 7e18, "balance");
    }

    function test_burn_RevertWhen_BalanceTooLow() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, 0, 1));
        token.burn(1);
    }

    function test_burn_DoesNotFreeMiningAllocation() public {
        vm.prank(admin);
        token.setEmission(emission);
        uint256 alloc = token.MINING_ALLOCATION();
        vm.prank(emission);
        token.mintMining(alice, alloc);
        vm.prank(alice);
        token.burn(alloc);
        vm.prank(emission);
        vm.expectRevert(abi.encodeWithSelector(IPohToken.MiningAllocationExceeded.selector, 1, 0));
        token.mintMining(alice, 1);
    }

    // ----------------------------------------------------------------- permit

    function test_permit_SetsAllowanceFromSignature() public {
        uint256 key = 0xA11CE;
        address owner = vm.addr(key);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = _permitDigest(owner, alice, 3e18, 0, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        vm.expectEmit();
        emit IERC20.Approval(owner, alice, 3e18);
        token.permit(owner, alice, 3e18, deadline, v, r, s);
        assertEq(token.allowance(owner, alice), 3e18, "allowance");
        assertEq(token.nonces(owner), 1, "nonce");
    }

    function test_permit_RevertWhen_Expired() public {
        uint256 key = 0xA11CE;
        address owner = vm.addr(key);
        vm.warp(10_000);
        uint256 deadline = block.timestamp - 1;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _permitDigest(owner, alice, 3e18, 0, deadline));
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        token.permit(owner, alice, 3e18, deadline, v, r, s);
    }

    function test_permit_RevertWhen_WrongSigner() public {
        address owner = vm.addr(0xA11CE);
        uint256 deadline = block.timestamp + 1;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(0xB0B, _permitDigest(owner, alice, 3e18, 0, deadline));
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, vm.addr(0xB0B), owner));
        token.permit(owner, alice, 3e18, deadline, v, r, s);
    }

    // ----------------------------------------------------------- admin rules

    function test_beginDefaultAdminTransfer_IsTwoStepWithDelay() public {
        vm.warp(1_000);
        vm.prank(admin);
        token.beginDefaultAdminTransfer(alice);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector, uint48(1_000 + 1 days)
            )
        );
        token.acceptDefaultAdminTransfer();
        vm.warp(1_000 + 1 days + 1);
        vm.prank(alice);
        token.acceptDefaultAdminTransfer();
        assertEq(token.defaultAdmin(), alice, "new admin");
        assertFalse(token.hasRole(token.DEFAULT_ADMIN_ROLE(), admin), "old admin dropped");
    }

    function _permitDigest(address owner, address spender, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                owner,
                spender,
                value,
                nonce,
                deadline
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
    }
}

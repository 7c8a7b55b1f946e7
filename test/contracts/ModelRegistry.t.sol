// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {vm} from "./utils/Vm.sol";
import {TestBase} from "./utils/TestBase.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";

contract ModelRegistryTest is TestBase {
    ModelRegistry internal registry;
    address internal admin = makeAddr("admin");
    address internal governor = makeAddr("governor");
    address internal stranger = makeAddr("stranger");
    bytes32 internal constant HASH = keccak256("model.onnx");
    bytes32 internal governorRole;

    function setUp() public {
        registry = new ModelRegistry(admin);
        governorRole = registry.GOVERNOR_ROLE();
        vm.prank(admin);
        registry.grantRole(governorRole, governor);
    }

    function test_constructor_GrantsAdminAndGovernor() public view {
        assertTrue(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), admin), "admin");
        assertTrue(registry.hasRole(governorRole, admin), "admin is governor");
        assertEq(governorRole, keccak256("GOVERNOR_ROLE"), "role id");
        assertEq(registry.defaultAdminDelay(), 1 days, "delay");
        assertEq(uint256(registry.modelCount()), 0, "no models");
    }

    function test_constructor_RevertWhen_AdminIsZero() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, address(0))
        );
        new ModelRegistry(address(0));
    }

    function test_addModel_AssignsIdsFromOneAndEmits() public {
        vm.expectEmit();
        emit IModelRegistry.ModelAdded(1, HASH, 1, "ipfs://model-1");
        vm.prank(governor);
        uint32 id = registry.addModel(HASH, 1, "ipfs://model-1");
        assertEq(uint256(id), 1, "first id");
        vm.prank(governor);
        uint32 id2 = registry.addModel(keccak256("v2"), 2, "ipfs://model-2");
        assertEq(uint256(id2), 2, "second id");
        assertEq(uint256(registry.modelCount()), 2, "count");

        IModelRegistry.ModelVersion memory m = registry.getModel(1);
        assertEq(m.sha256Hash, HASH, "hash");
        assertEq(uint256(m.featureSpecVersion), 1, "spec");
        assertTrue(m.active, "active");
        assertEq(m.uri, "ipfs://model-1", "uri");
        assertTrue(registry.isActive(1), "isActive");
    }

    function test_addModel_RevertWhen_HashIsZero() public {
        vm.prank(governor);
        vm.expectRevert(IModelRegistry.InvalidModel.selector);
        registry.addModel(bytes32(0), 1, "ipfs://x");
    }

    function test_addModel_RevertWhen_UriIsEmpty() public {
        vm.prank(governor);
        vm.expectRevert(IModelRegistry.InvalidModel.selector);
        registry.addModel(HASH, 1, "");
    }

    function test_addModel_RevertWhen_CallerNotGovernor() public {
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, governorRole)
        );
        registry.addModel(HASH, 1, "ipfs://x");
    }

    function test_retireModel_DeactivatesAndEmits() public {
        vm.prank(governor);
        registry.addModel(HASH, 1, "ipfs://x");
        vm.expectEmit();
        emit IModelRegistry.ModelRetired(1);
        vm.prank(governor);
        registry.retireModel(1);
        assertFalse(registry.isActive(1), "retired");
        assertFalse(registry.getModel(1).active, "stored inactive");
        assertEq(registry.getModel(1).sha256Hash, HASH, "still readable");
    }

    function test_retireModel_RevertWhen_AlreadyRetired() public {
        vm.prank(governor);
        registry.addModel(HASH, 1, "ipfs://x");
        vm.prank(governor);
        registry.retireModel(1);
        vm.prank(governor);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelAlreadyRetired.selector, uint32(1)));
        registry.retireModel(1);
    }

    function test_retireModel_RevertWhen_UnknownModel() public {
        vm.prank(governor);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, uint32(1)));
        registry.retireModel(1);
    }

    function test_retireModel_RevertWhen_IdZero() public {
        vm.prank(governor);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, uint32(0)));
        registry.retireModel(0);
    }

    function test_retireModel_RevertWhen_CallerNotGovernor() public {
        vm.prank(governor);
        registry.addModel(HASH, 1, "ipfs://x");
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, governorRole)
        );
        registry.retireModel(1);
    }

    function test_getModel_RevertWhen_UnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, uint32(3)));
        registry.getModel(3);
    }

    function test_isActive_FalseForUnknownModel() public view {
        assertFalse(registry.isActive(0), "id 0");
        assertFalse(registry.isActive(7), "id 7");
    }
}

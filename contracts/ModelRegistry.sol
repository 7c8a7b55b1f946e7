// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";

/// @title ModelRegistry
/// @notice Versions of the human-verification model, added and retired by governance. Ids start at 1.
contract ModelRegistry is IModelRegistry, AccessControlDefaultAdminRules {
    /// @notice May add and retire model versions.
    bytes32 public constant GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");
    /// @notice Delay before a new default admin can accept the role (two-step admin transfer).
    uint48 public constant ADMIN_TRANSFER_DELAY = 1 days;

    uint32 private _modelCount;
    mapping(uint32 modelId => ModelVersion) private _models;

    /// @param admin default admin and first governor
    constructor(address admin) AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin) {
        _grantRole(GOVERNOR_ROLE, admin);
    }

    /// @inheritdoc IModelRegistry
    function addModel(bytes32 sha256Hash, uint32 featureSpecVersion, string calldata uri)
        external
        onlyRole(GOVERNOR_ROLE)
        returns (uint32 modelId)
    {
        // Revert if the hash is zero or the URI is empty.
        if (sha256Hash == bytes32(0) || bytes(uri).length == 0) revert InvalidModel();
        modelId = ++_modelCount;
        _models[modelId] =
            ModelVersion({sha256Hash: sha256Hash, featureSpecVersion: featureSpecVersion, active: true, uri: uri});
        emit ModelAdded(modelId, sha256Hash, featureSpecVersion, uri);
    }

    /// @inheritdoc IModelRegistry
    function retireModel(uint32 modelId) external onlyRole(GOVERNOR_ROLE) {
        // Revert if the model does not exist.
        if (modelId == 0 || modelId > _modelCount) revert UnknownModel(modelId);
        ModelVersion storage model = _models[modelId];
        // Revert if it is already retired.
        if (!model.active) revert ModelAlreadyRetired(modelId);
        model.active = false;
        emit ModelRetired(modelId);
    }

    /// @inheritdoc IModelRegistry
    function getModel(uint32 modelId) external view returns (ModelVersion memory) {
        // Revert if the model does not exist.
        if (modelId == 0 || modelId > _modelCount) revert UnknownModel(modelId);
        return _models[modelId];
    }

    /// @inheritdoc IModelRegistry
    function isActive(uint32 modelId) external view returns (bool) {
        return _models[modelId].active;
    }

    /// @inheritdoc IModelRegistry
    function modelCount() external view returns (uint32) {
        return _modelCount;
    }
}

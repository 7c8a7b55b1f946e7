// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IModelRegistry
/// @notice Versions of the human-verification model. A job names the version it wants; miners
/// refuse to mine with a local .onnx file whose sha256 does not match the registered one.
interface IModelRegistry {
    struct ModelVersion {
        bytes32 sha256Hash; // sha256 of the .onnx file
        uint32 featureSpecVersion;
        bool active;
        string uri; // where the .onnx file can be fetched
    }

    /// @notice Thrown by addModel() if the hash is zero or the URI is empty.
    error InvalidModel();
    /// @notice Thrown by retireModel() and getModel() if no model has this id.
    error UnknownModel(uint32 modelId);
    /// @notice Thrown by retireModel() if the model is already retired.
    error ModelAlreadyRetired(uint32 modelId);

    /// @notice Emitted when governance adds a model version.
    event ModelAdded(uint32 indexed modelId, bytes32 sha256Hash, uint32 featureSpecVersion, string uri);
    /// @notice Emitted when governance retires a model version.
    event ModelRetired(uint32 indexed modelId);

    /// @notice Adds a model version (GOVERNOR_ROLE). Ids start at 1.
    function addModel(bytes32 sha256Hash, uint32 featureSpecVersion, string calldata uri)
        external
        returns (uint32 modelId);
    /// @notice Retires a model version (GOVERNOR_ROLE); new jobs may no longer name it.
    function retireModel(uint32 modelId) external;

    function getModel(uint32 modelId) external view returns (ModelVersion memory);
    function isActive(uint32 modelId) external view returns (bool);
    function modelCount() external view returns (uint32);
}

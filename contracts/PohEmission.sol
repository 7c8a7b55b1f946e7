// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IPohEmission} from "./interfaces/IPohEmission.sol";
import {IPohToken} from "./interfaces/IPohToken.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title PohEmission
/// @notice POH for useful work. Epoch e covers blocks [genesisBlock + e * epochLength,
/// genesisBlock + (e + 1) * epochLength) and emits epochLength x 1 POH, halved every
/// `halvingEpochs` epochs. The coordinator records weighted work points per final job; after an
/// epoch ends each miner claims emission x its share of the epoch's points (rounded down), minted
/// from the token's mining allocation (never beyond what is left of it).
contract PohEmission is IPohEmission, AccessControlDefaultAdminRules {
    /// @notice Delay before a new default admin can accept the role (two-step admin transfer).
    uint48 public constant ADMIN_TRANSFER_DELAY = 1 days;
    /// @notice Emission per block in the first halving period: 1 POH.
    uint256 public constant EMISSION_PER_BLOCK = 1e18;
    /// @notice Bounds of epochLength (blocks).
    uint256 public constant EPOCH_LENGTH_LOWER = 1;
    uint256 public constant EPOCH_LENGTH_UPPER = 100_000_000;
    /// @notice Bounds of halvingEpochs.
    uint256 public constant HALVING_EPOCHS_LOWER = 1;
    uint256 public constant HALVING_EPOCHS_UPPER = 1_000_000_000;
    /// @notice After this many halvings the emission is zero.
    uint256 public constant MAX_HALVINGS = 64;

    /// @notice The POH token.
    IPohToken public immutable token;
    /// @inheritdoc IPohEmission
    uint256 public immutable genesisBlock;
    /// @inheritdoc IPohEmission
    uint256 public immutable epochLength;
    /// @inheritdoc IPohEmission
    uint256 public immutable halvingEpochs;

    /// @dev One slot per (epoch, miner): points in the low 255 bits, the claimed flag on top, so
    /// recordWork() writes one slot per miner and claim() reads and writes the same slot.
    uint256 private constant _CLAIMED = 1 << 255;

    address private _coordinator;
    mapping(uint256 epoch => uint256) private _epochPoints;
    mapping(uint256 epoch => mapping(address miner => uint256 pointsAndFlag)) private _miner;

    /// @param admin default admin (sets the coordinator once)
    /// @param token_ the POH token (this contract must be its emission minter)
    /// @param epochLength_ blocks per epoch, 1..100,000,000
    /// @param halvingEpochs_ epochs between halvings, 1..1,000,000,000
    constructor(address admin, address token_, uint256 epochLength_, uint256 halvingEpochs_)
        AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin)
    {
        // Revert if the token is zero (the admin is checked by AccessControlDefaultAdminRules).
        if (token_ == address(0)) revert ZeroAddress();
        // Revert if a parameter is outside its bounds.
        if (epochLength_ < EPOCH_LENGTH_LOWER || epochLength_ > EPOCH_LENGTH_UPPER) {
            revert ParameterOutOfBounds("epochLength", epochLength_, EPOCH_LENGTH_LOWER, EPOCH_LENGTH_UPPER);
        }
        if (halvingEpochs_ < HALVING_EPOCHS_LOWER || halvingEpochs_ > HALVING_EPOCHS_UPPER) {
            revert ParameterOutOfBounds("halvingEpochs", halvingEpochs_, HALVING_EPOCHS_LOWER, HALVING_EPOCHS_UPPER);
        }
        token = IPohToken(token_);
        genesisBlock = block.number;
        epochLength = epochLength_;
        halvingEpochs = halvingEpochs_;
    }

    /// @inheritdoc IPohEmission
    function recordWork(uint256 jobs, address[] calldata miners, uint256[] calldata points) external {
        // Revert if the caller is not the coordinator.
        if (msg.sender != _coordinator || msg.sender == address(0)) revert NotCoordinator(msg.sender);
        // Revert if the arrays differ in length.
        if (miners.length != points.length) revert LengthMismatch();
        uint256 epoch = currentEpoch();
        uint256 sum;
        for (uint256 i; i < miners.length; ++i) {
            // Points per job are bounded by the coordinator (multiplier <= 3x); the flag bit can
            // only be reached after ~2^255 points, so plain addition is safe here.
            _miner[epoch][miners[i]] += points[i];
            sum += points[i];
        }
        _epochPoints[epoch] += sum;
        emit WorkRecorded(epoch, jobs, miners, points);
    }

    /// @inheritdoc IPohEmission
    function claim(uint256[] calldata epochs) external returns (uint256 amount) {
        // Revert if the list is empty.
        if (epochs.length == 0) revert NoEpochs();
        uint256 current = currentEpoch();
        uint256 remaining = token.MINING_ALLOCATION() - token.miningMinted();
        for (uint256 i; i < epochs.length; ++i) {
            uint256 epoch = epochs[i];
            // Revert if the epoch has not ended.
            if (epoch >= current) revert EpochNotEnded(epoch, current);
            uint256 slot = _miner[epoch][msg.sender];
            // Revert if already claimed.
            if (slot & _CLAIMED != 0) revert AlreadyClaimed(msg.sender, epoch);
            // Revert if the miner earned nothing in the epoch.
            if (slot == 0) revert NoPoints(msg.sender, epoch);

            uint256 share = Math.mulDiv(epochEmission(epoch), slot, _epochPoints[epoch]);
            // Never mint beyond the mining allocation.
            if (share > remaining - amount) share = remaining - amount;
            amount += share;
            _miner[epoch][msg.sender] = slot | _CLAIMED;
            emit EmissionClaimed(msg.sender, epoch, slot, share);
        }
        if (amount != 0) token.mintMining(msg.sender, amount);
    }

    /// @inheritdoc IPohEmission
    function setCoordinator(address coordinator_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        // Revert if the address is zero.
        if (coordinator_ == address(0)) revert ZeroAddress();
        // Revert if the coordinator was already set.
        if (_coordinator != address(0)) revert CoordinatorAlreadySet(_coordinator);
        _coordinator = coordinator_;
        emit CoordinatorSet(coordinator_);
    }

    /// @notice The coordinator, or zero before it is set.
    function coordinator() external view returns (address) {
        return _coordinator;
    }

    /// @inheritdoc IPohEmission
    function epochPoints(uint256 epoch) external view returns (uint256) {
        return _epochPoints[epoch];
    }

    /// @inheritdoc IPohEmission
    function minerPoints(address miner, uint256 epoch) external view returns (uint256) {
        return _miner[epoch][miner] & ~_CLAIMED;
    }

    /// @inheritdoc IPohEmission
    function claimableEmission(address miner, uint256 epoch) external view returns (uint256) {
        uint256 slot = _miner[epoch][miner];
        if (epoch >= currentEpoch() || slot == 0 || slot & _CLAIMED != 0) return 0;
        uint256 share = Math.mulDiv(epochEmission(epoch), slot, _epochPoints[epoch]);
        uint256 remaining = token.MINING_ALLOCATION() - token.miningMinted();
        return share < remaining ? share : remaining;
    }

    /// @inheritdoc IPohEmission
    function claimed(address miner, uint256 epoch) external view returns (bool) {
        return _miner[epoch][miner] & _CLAIMED != 0;
    }

    /// @inheritdoc IPohEmission
    function currentEpoch() public view returns (uint256) {
        return (block.number - genesisBlock) / epochLength;
    }

    /// @inheritdoc IPohEmission
    function epochEmission(uint256 epoch) public view returns (uint256) {
        uint256 halvings = epoch / halvingEpochs;
        if (halvings >= MAX_HALVINGS) return 0;
        return (epochLength * EMISSION_PER_BLOCK) >> halvings;
    }
}

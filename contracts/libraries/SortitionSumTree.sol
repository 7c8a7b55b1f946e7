// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title SortitionSumTree
/// @notice A sum tree over append-only weighted leaves (as in Kleros' sortition sum trees):
/// setting a weight and drawing a leaf with probability proportional to weight both cost
/// O(log n) storage accesses in the number of leaves n.
/// @dev 4-ary tree with the four child sums of a node packed as uint64s in one storage slot, so
/// a draw or an update touches one slot per level and there are log4(n) levels (5 for 1,000
/// leaves): half the slots of a binary tree. Leaves have no slot of their own: a leaf's weight is
/// its field in its level-1 node. Slots are keyed by (level << 128 | index); node (level, i)
/// covers leaves [i * 4^level, (i + 1) * 4^level) and its child c is (level - 1, 4i + c). The
/// root is (height, 0), height being the smallest h >= 1 with 4^h >= leafCount. Appending past
/// 4^height adds one level on top whose first field is the old root's sum, so no node ever moves.
/// Weights are uint64 and any subtree sum must fit in uint64 (callers pick the unit).
library SortitionSumTree {
    /// @notice Thrown by set() and weightOf() if the leaf does not exist.
    error LeafOutOfRange(uint256 leaf, uint256 leafCount);
    /// @notice Thrown by draw() if the leaves left to draw from have zero total weight.
    error NothingToDraw(uint256 drawn, uint256 size);
    /// @notice Thrown by append() and set() if a weight or a subtree sum would not fit in uint64.
    error WeightOverflow(uint256 weight);

    struct Tree {
        uint256 leafCount;
        uint256 height;
        mapping(uint256 key => uint256 packedChildSums) nodes;
    }

    uint256 private constant _MASK = type(uint64).max;

    /// @notice Appends a leaf with `weight` and returns its index (0, 1, 2, ...).
    function append(Tree storage tree, uint256 weight) internal returns (uint256 leaf) {
        leaf = tree.leafCount;
        tree.leafCount = leaf + 1;
        uint256 height = tree.height;
        if (height == 0) {
            tree.height = 1;
        } else if (leaf == (uint256(1) << (2 * height))) {
            // The tree is full: the new root's first child is the old root.
            tree.nodes[_key(height + 1, 0)] = _sum(tree.nodes[_key(height, 0)]);
            tree.height = height + 1;
        }
        if (weight != 0) set(tree, leaf, weight);
    }

    /// @notice Sets the weight of an existing leaf and updates its ancestors.
    function set(Tree storage tree, uint256 leaf, uint256 weight) internal {
        uint256 count = tree.leafCount;
        if (leaf >= count) revert LeafOutOfRange(leaf, count);
        if (weight > _MASK) revert WeightOverflow(weight);
        uint256 old = (tree.nodes[_key(1, leaf >> 2)] >> ((leaf & 3) << 6)) & _MASK;
        if (old == weight) return;
        uint256 height = tree.height;
        bool up = weight > old;
        uint256 diff = up ? weight - old : old - weight;
        for (uint256 level = 1; level <= height; ++level) {
            uint256 key = _key(level, leaf >> (2 * level));
            uint256 shift = ((leaf >> (2 * (level - 1))) & 3) << 6;
            uint256 packed = tree.nodes[key];
            uint256 field = (packed >> shift) & _MASK;
            if (up) {
                field += diff;
                if (field > _MASK) revert WeightOverflow(field);
            } else {
                field -= diff;
            }
            packed = (packed & ~(_MASK << shift)) | (field << shift);
            tree.nodes[key] = packed;
            // The root's sum becomes a field when the tree grows: it must fit too.
            if (up && level == height && _sum(packed) > _MASK) revert WeightOverflow(_sum(packed));
        }
    }

    /// @notice Draws `size` distinct leaves, each draw with probability proportional to weight
    /// among the leaves not drawn yet (sampling without replacement). Reads O(size * log n)
    /// slots and writes nothing: drawn leaves are kept in memory and their weights subtracted
    /// from the sums met on the way down.
    /// @dev Draw i uses r_i = keccak256(seed, i) mod (remaining total weight); the modulo bias is
    /// below 2^64 / 2^256. Reverts NothingToDraw if fewer than `size` leaves have weight.
    function draw(Tree storage tree, bytes32 seed, uint256 size) internal view returns (uint256[] memory leaves) {
        leaves = new uint256[](size);
        uint256[] memory weights = new uint256[](size);
        uint256 height = tree.height;
        uint256 remaining = total(tree);
        // unchecked: indices are bounded by `size` and `height`, and every subtraction below is
        // of a part from a sum that contains it (measured: halves the compute of a 5-member draw).
        unchecked {
            for (uint256 i; i < size; ++i) {
                if (remaining == 0) revert NothingToDraw(i, size);
                uint256 r = uint256(keccak256(abi.encode(seed, i))) % remaining;
                uint256 index;
                uint256 w;
                for (uint256 level = height; level != 0; --level) {
                    uint256 packed = tree.nodes[(level << 128) | index];
                    uint256 below = (level - 1) << 1;
                    // Take out the weight already drawn under each of the four children; a
                    // child's field holds at least that much, so no borrow crosses fields.
                    for (uint256 j; j < i; ++j) {
                        uint256 leaf;
                        uint256 drawnWeight;
                        // Memory reads without bounds checks: j < i < size (measured gain).
                        assembly ("memory-safe") {
                            let offset := shl(5, add(j, 1))
                            leaf := mload(add(leaves, offset))
                            drawnWeight := mload(add(weights, offset))
                        }
                        if (leaf >> (below + 2) == index) packed -= drawnWeight << (((leaf >> below) & 3) << 6);
                    }
                    // r < sum of the adjusted children: the first child with r < w exists, and
                    // when children 0..2 do not hold it, child 3 does.
                    uint256 c;
                    for (; c < 3; ++c) {
                        w = (packed >> (c << 6)) & _MASK;
                        if (r < w) break;
                        r -= w;
                    }
                    if (c == 3) w = packed >> 192;
                    index = (index << 2) | c;
                }
                // r < w: this leaf has weight and was not drawn before (a drawn leaf adjusts to 0).
                leaves[i] = index;
                weights[i] = w;
                remaining -= w;
            }
        }
    }

    /// @notice Sum of all leaf weights.
    function total(Tree storage tree) internal view returns (uint256) {
        uint256 height = tree.height;
        return height == 0 ? 0 : _sum(tree.nodes[_key(height, 0)]);
    }

    /// @notice Weight of one leaf.
    function weightOf(Tree storage tree, uint256 leaf) internal view returns (uint256) {
        uint256 count = tree.leafCount;
        if (leaf >= count) revert LeafOutOfRange(leaf, count);
        return (tree.nodes[_key(1, leaf >> 2)] >> ((leaf & 3) << 6)) & _MASK;
    }

    /// @notice Sum of the subtree at (level, index): level 0 is a leaf, level k covers 4^k leaves.
    /// For tests and tooling.
    function nodeSum(Tree storage tree, uint256 level, uint256 index) internal view returns (uint256) {
        if (level == 0) return (tree.nodes[_key(1, index >> 2)] >> ((index & 3) << 6)) & _MASK;
        return _sum(tree.nodes[_key(level, index)]);
    }

    function _sum(uint256 packed) private pure returns (uint256) {
        return (packed & _MASK) + ((packed >> 64) & _MASK) + ((packed >> 128) & _MASK) + (packed >> 192);
    }

    function _key(uint256 level, uint256 index) private pure returns (uint256) {
        return (level << 128) | index;
    }
}

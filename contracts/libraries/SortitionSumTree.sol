// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title SortitionSumTree
/// @notice A binary sum tree over append-only weighted leaves (as in Kleros' sortition sum trees):
/// setting a weight and drawing a leaf with probability proportional to weight both cost
/// O(log n) storage accesses in the number of leaves n.
/// @dev Nodes live in one mapping keyed by (level << 128 | index): level 0 holds the leaves, the
/// parent of (level, i) is (level + 1, i / 2) and the root is (height, 0), where height is the
/// smallest h with 2^h >= leafCount. Appending past 2^height adds one level on top whose root
/// equals the old root (its right half is still empty), so no existing node ever moves.
library SortitionSumTree {
    /// @notice Thrown by set() and weightOf() if the leaf does not exist.
    error LeafOutOfRange(uint256 leaf, uint256 leafCount);
    /// @notice Thrown by draw() if the leaves left to draw from have zero total weight.
    error NothingToDraw(uint256 drawn, uint256 size);

    struct Tree {
        uint256 leafCount;
        uint256 height;
        mapping(uint256 key => uint256 sum) nodes;
    }

    /// @notice Appends a leaf with `weight` and returns its index (0, 1, 2, ...).
    function append(Tree storage tree, uint256 weight) internal returns (uint256 leaf) {
        leaf = tree.leafCount;
        tree.leafCount = leaf + 1;
        uint256 height = tree.height;
        if (leaf != 0 && leaf == (uint256(1) << height)) {
            // The tree is full: the new root covers the old root and an empty right half.
            tree.nodes[_key(height + 1, 0)] = tree.nodes[_key(height, 0)];
            tree.height = height + 1;
        }
        if (weight != 0) set(tree, leaf, weight);
    }

    /// @notice Sets the weight of an existing leaf and updates its ancestors.
    function set(Tree storage tree, uint256 leaf, uint256 weight) internal {
        uint256 count = tree.leafCount;
        if (leaf >= count) revert LeafOutOfRange(leaf, count);
        uint256 old = tree.nodes[_key(0, leaf)];
        if (old == weight) return;
        tree.nodes[_key(0, leaf)] = weight;
        uint256 height = tree.height;
        uint256 index = leaf;
        if (weight > old) {
            uint256 diff = weight - old;
            for (uint256 level = 1; level <= height; ++level) {
                index >>= 1;
                tree.nodes[_key(level, index)] += diff;
            }
        } else {
            uint256 diff = old - weight;
            for (uint256 level = 1; level <= height; ++level) {
                index >>= 1;
                tree.nodes[_key(level, index)] -= diff;
            }
        }
    }

    /// @notice Draws `size` distinct leaves, each draw with probability proportional to weight
    /// among the leaves not drawn yet (sampling without replacement). Reads O(size * log n)
    /// nodes and writes nothing: drawn leaves are kept in memory and their weights subtracted
    /// from the sums met on the way down.
    /// @dev Draw i uses r_i = keccak256(seed, i) mod (remaining total weight); the modulo bias is
    /// below total / 2^256. Reverts NothingToDraw if fewer than `size` leaves have weight.
    function draw(Tree storage tree, bytes32 seed, uint256 size) internal view returns (uint256[] memory leaves) {
        leaves = new uint256[](size);
        uint256[] memory weights = new uint256[](size);
        uint256 height = tree.height;
        uint256 remaining = total(tree);
        for (uint256 i; i < size; ++i) {
            if (remaining == 0) revert NothingToDraw(i, size);
            uint256 r = uint256(keccak256(abi.encode(seed, i))) % remaining;
            uint256 index;
            for (uint256 level = height; level != 0; --level) {
                uint256 left = index << 1;
                uint256 leftSum = tree.nodes[_key(level - 1, left)];
                // Take out the weight of leaves already drawn under the left child.
                uint256 shift = level - 1;
                for (uint256 j; j < i; ++j) {
                    if (leaves[j] >> shift == left) leftSum -= weights[j];
                }
                if (r < leftSum) {
                    index = left;
                } else {
                    r -= leftSum;
                    index = left | 1;
                }
            }
            // r < adjusted weight of this leaf, so it has weight and was not drawn before.
            uint256 w = tree.nodes[_key(0, index)];
            leaves[i] = index;
            weights[i] = w;
            remaining -= w;
        }
    }

    /// @notice Sum of all leaf weights.
    function total(Tree storage tree) internal view returns (uint256) {
        return tree.nodes[_key(tree.height, 0)];
    }

    /// @notice Weight of one leaf.
    function weightOf(Tree storage tree, uint256 leaf) internal view returns (uint256) {
        uint256 count = tree.leafCount;
        if (leaf >= count) revert LeafOutOfRange(leaf, count);
        return tree.nodes[_key(0, leaf)];
    }

    /// @notice Sum stored at node (level, index); level 0 are leaves. For tests and tooling.
    function nodeSum(Tree storage tree, uint256 level, uint256 index) internal view returns (uint256) {
        return tree.nodes[_key(level, index)];
    }

    function _key(uint256 level, uint256 index) private pure returns (uint256) {
        return (level << 128) | index;
    }
}

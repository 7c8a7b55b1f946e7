// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {vm} from "./utils/Vm.sol";
import {TestBase} from "./utils/TestBase.sol";
import {SortitionSumTree} from "../../contracts/libraries/SortitionSumTree.sol";

/// @dev Exposes the library over one tree and keeps a plain copy of the leaves to compare with.
contract TreeHarness {
    using SortitionSumTree for SortitionSumTree.Tree;

    SortitionSumTree.Tree internal _tree;
    uint256[] public shadow;
    uint256 public shadowSum;

    uint256 internal constant MAX_WEIGHT = 1e17; // 64 leaves of 1e17 still fit a uint64 root

    function append(uint256 weight) public returns (uint256 leaf) {
        weight = weight % (MAX_WEIGHT + 1);
        leaf = _tree.append(weight);
        shadow.push(weight);
        shadowSum += weight;
    }

    function set(uint256 leaf, uint256 weight) public {
        if (shadow.length == 0) return;
        leaf = leaf % shadow.length;
        weight = weight % (MAX_WEIGHT + 1);
        _tree.set(leaf, weight);
        shadowSum = shadowSum - shadow[leaf] + weight;
        shadow[leaf] = weight;
    }

    function draw(bytes32 seed, uint256 size) external view returns (uint256[] memory) {
        return _tree.draw(seed, size);
    }

    function total() external view returns (uint256) {
        return _tree.total();
    }

    function weightOf(uint256 leaf) external view returns (uint256) {
        return _tree.weightOf(leaf);
    }

    function leafCount() external view returns (uint256) {
        return _tree.leafCount;
    }

    function height() external view returns (uint256) {
        return _tree.height;
    }

    function shadowLength() external view returns (uint256) {
        return shadow.length;
    }

    /// @dev True if every internal node equals the sum of its four children, every leaf matches
    /// the shadow copy and the height is the smallest h >= 1 with 4^h >= leafCount.
    function consistent() external view returns (bool) {
        uint256 n = _tree.leafCount;
        uint256 h = _tree.height;
        if (n == 0) return h == 0 && _tree.total() == 0;
        if ((uint256(1) << (2 * h)) < n) return false;
        if (h > 1 && (uint256(1) << (2 * (h - 1))) >= n) return false;
        for (uint256 i; i < n; ++i) {
            if (_tree.nodeSum(0, i) != shadow[i]) return false;
        }
        uint256 width = n;
        for (uint256 level = 1; level <= h; ++level) {
            width = (width + 3) / 4;
            for (uint256 i; i < width; ++i) {
                uint256 children;
                for (uint256 c; c < 4; ++c) children += _tree.nodeSum(level - 1, 4 * i + c);
                if (_tree.nodeSum(level, i) != children) return false;
            }
        }
        return _tree.total() == shadowSum;
    }
}

contract RawTreeHarness is TreeHarness {
    using SortitionSumTree for SortitionSumTree.Tree;

    function setRaw(uint256 leaf, uint256 weight) external {
        _tree.set(leaf, weight);
    }

    function appendRaw(uint256 weight) external returns (uint256) {
        return _tree.append(weight);
    }
}

contract SortitionSumTreeTest is TestBase {
    RawTreeHarness internal tree;

    function setUp() public {
        tree = new RawTreeHarness();
    }

    // ----------------------------------------------------------------- append

    function test_append_ReturnsSequentialLeavesAndGrowsHeight() public {
        assertEq(tree.height(), 0, "empty");
        assertEq(tree.append(5), 0, "leaf 0");
        assertEq(tree.height(), 1, "height 1 leaf");
        assertEq(tree.append(0), 1, "leaf 1");
        tree.append(7);
        tree.append(1);
        assertEq(tree.height(), 1, "height 4 leaves");
        assertEq(tree.append(1), 4, "leaf 4");
        assertEq(tree.height(), 2, "height 5 leaves");
        for (uint256 i; i < 11; ++i) tree.append(2);
        assertEq(tree.height(), 2, "height 16 leaves");
        tree.append(3);
        assertEq(tree.height(), 3, "height 17 leaves");
        assertEq(tree.total(), 5 + 7 + 1 + 1 + 22 + 3, "total");
        assertTrue(tree.consistent(), "consistent");
    }

    function test_set_RevertWhen_WeightAboveUint64() public {
        tree.append(1);
        uint256 tooBig = uint256(type(uint64).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(SortitionSumTree.WeightOverflow.selector, tooBig));
        tree.setRaw(0, tooBig);
    }

    function test_set_RevertWhen_SubtreeSumAboveUint64() public {
        uint256 max = type(uint64).max;
        for (uint256 i; i < 5; ++i) tree.append(0);
        tree.setRaw(0, max);
        // leaves 0 and 1 share a level-1 node whose field in the root would overflow
        vm.expectRevert(abi.encodeWithSelector(SortitionSumTree.WeightOverflow.selector, max + 1));
        tree.setRaw(1, 1);
        // leaf 4 sits under another child of the root: the root's sum would overflow
        vm.expectRevert(abi.encodeWithSelector(SortitionSumTree.WeightOverflow.selector, max + 1));
        tree.setRaw(4, 1);
    }

    function test_set_RevertWhen_RootSumAboveUint64() public {
        uint256 max = type(uint64).max;
        tree.appendRaw(max);
        vm.expectRevert(abi.encodeWithSelector(SortitionSumTree.WeightOverflow.selector, max + 1));
        tree.appendRaw(1);
    }

    function test_total_ZeroWhenEmpty() public view {
        assertEq(tree.total(), 0, "empty total");
    }

    // -------------------------------------------------------------------- set

    function test_set_UpdatesAncestors() public {
        for (uint256 i; i < 9; ++i) tree.append(i + 1); // three levels of 4
        tree.set(4, 100);
        tree.set(8, 0);
        assertEq(tree.weightOf(4), 100, "leaf 4");
        assertEq(tree.weightOf(8), 0, "leaf 8");
        assertEq(tree.total(), 1 + 2 + 3 + 4 + 100 + 6 + 7 + 8, "total");
        assertTrue(tree.consistent(), "consistent");
    }

    function test_set_RevertWhen_LeafOutOfRange() public {
        tree.append(1);
        vm.expectRevert(abi.encodeWithSelector(SortitionSumTree.LeafOutOfRange.selector, 1, 1));
        tree.setRaw(1, 5);
    }

    function test_weightOf_RevertWhen_LeafOutOfRange() public {
        vm.expectRevert(abi.encodeWithSelector(SortitionSumTree.LeafOutOfRange.selector, 0, 0));
        tree.weightOf(0);
    }

    // ------------------------------------------------------------------- draw

    function test_draw_OnlyLeafWithWeight() public {
        tree.append(0);
        tree.append(0);
        tree.append(5);
        tree.append(0);
        for (uint256 s; s < 20; ++s) {
            uint256[] memory leaves = tree.draw(bytes32(s), 1);
            assertEq(leaves[0], 2, "only leaf 2 has weight");
        }
    }

    function test_draw_ExhaustsAllWeightedLeaves() public {
        tree.append(3);
        tree.append(0);
        tree.append(1);
        tree.append(9);
        tree.append(0);
        uint256[] memory leaves = tree.draw(keccak256("seed"), 3);
        uint256 mask;
        for (uint256 i; i < 3; ++i) mask |= uint256(1) << leaves[i];
        assertEq(mask, (1 << 0) | (1 << 2) | (1 << 3), "all weighted leaves once");
    }

    function test_draw_IsDeterministicInSeed() public {
        for (uint256 i; i < 16; ++i) tree.append(i + 1);
        uint256[] memory a = tree.draw(bytes32(uint256(42)), 5);
        uint256[] memory b = tree.draw(bytes32(uint256(42)), 5);
        for (uint256 i; i < 5; ++i) assertEq(a[i], b[i], "same seed, same draw");
    }

    function test_draw_SizeZeroReturnsEmpty() public {
        tree.append(1);
        assertEq(tree.draw(bytes32(0), 0).length, 0, "empty");
    }

    function test_draw_RevertWhen_NotEnoughWeightedLeaves() public {
        tree.append(3);
        tree.append(0);
        tree.append(4);
        vm.expectRevert(abi.encodeWithSelector(SortitionSumTree.NothingToDraw.selector, 2, 3));
        tree.draw(bytes32(0), 3);
    }

    function test_draw_RevertWhen_Empty() public {
        vm.expectRevert(abi.encodeWithSelector(SortitionSumTree.NothingToDraw.selector, 0, 1));
        tree.draw(bytes32(0), 1);
    }

    // ------------------------------------------------------------------- fuzz

    function testFuzz_set_RootEqualsSumOfLeaves(uint256 seed, uint8 leaves, uint8 updates) public {
        uint256 n = bound(leaves, 1, 40);
        for (uint256 i; i < n; ++i) {
            seed = uint256(keccak256(abi.encode(seed)));
            tree.append(seed % 4 == 0 ? 0 : seed); // reduced mod 1e17 + 1 by the harness
        }
        uint256 u = bound(updates, 0, 60);
        for (uint256 i; i < u; ++i) {
            seed = uint256(keccak256(abi.encode(seed)));
            tree.set(seed >> 128, seed % 3 == 0 ? 0 : seed);
        }
        assertTrue(tree.consistent(), "every node is the sum of its children");
        assertEq(tree.total(), tree.shadowSum(), "root == sum of leaves");
    }

    function testFuzz_draw_DistinctLeavesWithWeight(uint256 seed, bytes32 drawSeed, uint8 leaves, uint8 size) public {
        uint256 n = bound(leaves, 1, 64);
        uint256 weighted;
        for (uint256 i; i < n; ++i) {
            seed = uint256(keccak256(abi.encode(seed)));
            // Mix tiny and huge weights so that both sides of every comparison are exercised.
            uint256 w = seed % 3 == 0 ? 0 : (seed % 2 == 0 ? (seed >> 200) % 10 + 1 : (seed >> 160) % 1e17);
            tree.append(w);
            if (w != 0) ++weighted;
        }
        vm.assume(weighted > 0);
        uint256 k = bound(size, 1, weighted);
        uint256[] memory drawn = tree.draw(drawSeed, k);
        assertEq(drawn.length, k, "size");
        for (uint256 i; i < k; ++i) {
            assertLt(drawn[i], n, "leaf in range");
            assertGt(tree.weightOf(drawn[i]), 0, "drawn leaf has weight");
            for (uint256 j; j < i; ++j) assertNotEq(drawn[i], drawn[j], "no duplicates");
        }
    }

    function testFuzz_draw_RevertWhen_SizeAboveWeightedLeaves(uint256 seed, uint8 leaves) public {
        uint256 n = bound(leaves, 1, 32);
        uint256 weighted;
        for (uint256 i; i < n; ++i) {
            seed = uint256(keccak256(abi.encode(seed)));
            uint256 w = seed % 2 == 0 ? 0 : seed % 1000 + 1;
            tree.append(w);
            if (w != 0) ++weighted;
        }
        vm.expectRevert(abi.encodeWithSelector(SortitionSumTree.NothingToDraw.selector, weighted, weighted + 1));
        tree.draw(bytes32(seed), weighted + 1);
    }
}

/// @dev Random appends and updates from the invariant fuzzer; the tree must stay a sum tree.
contract SortitionSumTreeInvariantTest is TestBase {
    TreeHarness internal tree;

    function setUp() public {
        tree = new TreeHarness();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(tree);
    }

    function invariant_RootEqualsSumOfLeaves() public view {
        assertEq(tree.total(), tree.shadowSum(), "root == sum of leaves");
    }

    function invariant_EveryNodeIsSumOfChildren() public view {
        assertTrue(tree.consistent(), "consistent");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./utils/TestBase.sol";
import {TrustMath} from "../../contracts/libraries/TrustMath.sol";

contract TrustMathTest is TestBase {
    function test_multiplierBps_KnownValues() public pure {
        assertEq(TrustMath.multiplierBps(0, 0), 10_000, "no history");
        assertEq(TrustMath.multiplierBps(1, 0), 12_000, "log2(2) = 1");
        assertEq(TrustMath.multiplierBps(2, 0), 13_000, "log2(3) ~ 1.5");
        assertEq(TrustMath.multiplierBps(3, 0), 14_000, "log2(4) = 2");
        assertEq(TrustMath.multiplierBps(5, 0), 15_000, "log2(6) ~ 2.5");
        assertEq(TrustMath.multiplierBps(511, 0), 28_000, "log2(512) = 9");
        assertEq(TrustMath.multiplierBps(1023, 0), 30_000, "log2(1024) = 10 -> cap");
        assertEq(TrustMath.multiplierBps(1_000_000, 0), 30_000, "capped");
        assertEq(TrustMath.multiplierBps(3, 1), 11_500, "one fault");
        assertEq(TrustMath.multiplierBps(3, 2), 10_000, "floor");
        assertEq(TrustMath.multiplierBps(1023, 1), 27_500, "fault under the cap");
        assertEq(TrustMath.multiplierBps(1_000_000, 1), 30_000, "fault above the cap is absorbed by the clamp");
    }

    function test_multiplierBps_ExtremeInputsDoNotOverflow() public pure {
        assertEq(TrustMath.multiplierBps(type(uint256).max, 0), 30_000, "max agreed");
        assertEq(TrustMath.multiplierBps(type(uint256).max, type(uint256).max), 10_000, "max both");
        assertEq(TrustMath.multiplierBps(0, type(uint256).max), 10_000, "max faults");
    }

    function testFuzz_multiplierBps_BoundedAndMonotone(uint256 agreed, uint256 faults) public pure {
        agreed = bound(agreed, 0, 1 << 40);
        faults = bound(faults, 0, 1 << 40);
        uint256 m = TrustMath.multiplierBps(agreed, faults);
        assertGe(m, 10_000, "floor");
        assertLe(m, 30_000, "ceiling");
        assertGe(TrustMath.multiplierBps(agreed + 1, faults), m, "more agreed never lowers it");
        assertLe(TrustMath.multiplierBps(agreed, faults + 1), m, "more faults never raises it");
    }
}

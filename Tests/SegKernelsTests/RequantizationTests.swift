import SegKernels
import Testing

@Suite struct RequantizationTests {
    @Test func halfRoundsTowardsPositiveInfinity() throws {
        let half = try QuantizedMultiplier(scale: 0.5)
        #expect(half.multiplier == 1 << 30 && half.rightShift == 31)
        #expect(half.apply(3) == 2)    // 1.5 -> 2
        #expect(half.apply(-3) == -1)  // -1.5 -> -1
        #expect(half.apply(5) == 3)    // 2.5 -> 3
        #expect(half.apply(-1) == 0)   // -0.5 -> 0
    }

    @Test func unitScaleIsIdentity() throws {
        let one = try QuantizedMultiplier(scale: 1)
        #expect(one.multiplier == 1 << 30 && one.rightShift == 30)
        for x: Int32 in [0, 1, -1, 127, -128, .max, .min] { #expect(one.apply(x) == Int64(x)) }
    }

    @Test func mantissaRoundingCarriesIntoTheExponent() throws {
        // 0.99999999999 rounds to a mantissa of exactly 2^31: it must become 2^30 with one less shift.
        let m = try QuantizedMultiplier(scale: 0.999_999_999_99)
        #expect(m.multiplier == 1 << 30 && m.rightShift == 30)
    }

    @Test func tinyScalesBecomeZero() throws {
        #expect(try QuantizedMultiplier(scale: 0x1p-32).rightShift == 62)
        let m = try QuantizedMultiplier(scale: 1e-12)
        #expect(m.multiplier == 0)
        #expect(m.apply(.max) == 0 && m.apply(.min) == 0)
        #expect(try QuantizedMultiplier(scale: 0).apply(12345) == 0)
    }

    @Test func knownScale() throws {
        // 0.0123 = 0.7872 * 2^-6: mantissa round(0.7872 * 2^31) = 1690499128, shift 31 + 6.
        let m = try QuantizedMultiplier(scale: 0.0123)
        #expect(m.multiplier == 1_690_499_128 && m.rightShift == 37)
        #expect(m.apply(1000) == 12)      // 12.3
        #expect(m.apply(-1000) == -12)    // -12.3
        #expect(m.apply(10_000) == 123)
    }

    @Test(arguments: [-1.0, .nan, .infinity, 1_073_741_824.0, 1_073_741_823.999_999_9])
    func refusesScale(_ scale: Double) {
        #expect(throws: KernelConfigurationError.self) { try QuantizedMultiplier(scale: scale) }
        do {
            _ = try QuantizedMultiplier(scale: scale)
        } catch {
            #expect(error.parameter == "scale")
        }
    }

    @Test func activationClamps() {
        let relu6 = OutputQuantization(zeroPoint: -128, scale: 6.0 / 255.0, activation: .relu6)
        #expect(relu6.minimum == -128 && relu6.maximum == 127)
        let narrow = OutputQuantization(zeroPoint: -10, scale: 0.05, activation: .relu6)
        #expect(narrow.minimum == -10 && narrow.maximum == 110)  // 6 / 0.05 = 120 above the zero point
        let relu = OutputQuantization(zeroPoint: 7, scale: 0.1, activation: .relu)
        #expect(relu.minimum == 7 && relu.maximum == 127)
        #expect(relu.clamp(-100) == 7 && relu.clamp(1000) == 127 && relu.clamp(3) == 10)
    }

    @Test func requantizeAddsZeroPointAndSaturates() throws {
        let m = try QuantizedMultiplier(scale: 0.25)
        let out = OutputQuantization(zeroPoint: 3)
        #expect(requantize(36, m, out) == 12)
        #expect(requantize(1_000_000, m, out) == 127)
        #expect(requantize(-1_000_000, m, out) == -128)
    }
}

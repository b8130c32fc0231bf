import Glibc
import Testing
@testable import SegCRF

@Suite struct CRFExpTests {
    /// Within 1e-5 of libm's `exp` over the exponents the update sees (-87...0 and the first
    /// positive ones), every lane alike, and the scalar form equals the lanes.
    @Test func crfExpIsWithin1e5AndLanesAgree() {
        var random = CRFTestInputs(seed: 23)
        var worst: Double = 0
        for i in 0..<50_000 {
            let x = i < 100 ? -Float(i) * 0.87 : -87 + 88 * random.unit()
            let y = crfExp(x)
            worst = max(worst, abs(Double(y) / exp(Double(x)) - 1))
            let lanes = crfExp(SIMD8<Float>(x, x * 0.5, x, x * 0.25, x, x * 0.125, x, 0))
            #expect(lanes[0] == y && lanes[2] == y && lanes[4] == y && lanes[6] == y)
            #expect(lanes[1] == crfExp(x * 0.5) && lanes[7] == crfExp(Float(0)))
        }
        #expect(worst < 1e-5, "relative error \(worst)")
    }

    /// Below -87 the result stays e^-87, a normal float; minus infinity (the update's padding lanes)
    /// too.
    @Test func crfExpClampsBelow() {
        let floor = crfExp(Float(-87))
        #expect(floor.isNormal && abs(Double(floor) / exp(-87.0) - 1) < 1e-5)
        #expect(crfExp(Float(-100)) == floor && crfExp(-Float.infinity) == floor)
        #expect(abs(crfExp(Float(0)) - 1) < 1e-6)
    }
}

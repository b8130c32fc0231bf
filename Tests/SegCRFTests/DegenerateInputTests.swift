import SegCRF
import Testing

@Suite struct DegenerateInputTests {
    @Test func oneLabelGivesAnAllZeroMask() throws {
        let crf = try DenseCRF(width: 7, height: 5, labels: 1, parameters: .deepLab)
        let rgb = [UInt8](repeating: 90, count: 7 * 5 * 3)
        try rgb.withUnsafeBufferPointer { try crf.setImage($0) }
        var mask = [UInt8](repeating: 9, count: 35)
        var refined = [Float](repeating: -1, count: 35)
        let probabilities = [Float](repeating: 1, count: 35)
        try probabilities.withUnsafeBufferPointer { p in
            try mask.withUnsafeMutableBufferPointer { m in
                try refined.withUnsafeMutableBufferPointer { r in try crf.infer(probabilities: p, mask: m, refined: r) }
            }
        }
        #expect(mask.allSatisfy { $0 == 0 })
        #expect(refined.allSatisfy { $0 == 1 })
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity, -0.25])
    func badProbabilitiesAreRefusedWithTheirPlace(value: Float) throws {
        let crf = try DenseCRF(width: 6, height: 4, labels: 3, parameters: .deepLab)
        try [UInt8](repeating: 50, count: 72).withUnsafeBufferPointer { try crf.setImage($0) }
        var probabilities = [Float](repeating: 1.0 / 3, count: 72)
        probabilities[2 * 24 + 1 * 6 + 5] = value
        var mask = [UInt8](repeating: 7, count: 24)
        let error = #expect(throws: CRFError.self) {
            try probabilities.withUnsafeBufferPointer { p in
                try mask.withUnsafeMutableBufferPointer { try crf.infer(probabilities: p, mask: $0) }
            }
        }
        guard case let .invalidProbability(label, x, y, got) = error else {
            Issue.record("wrong error \(String(describing: error))")
            return
        }
        #expect(label == 2 && x == 5 && y == 1)
        #expect(got.bitPattern == value.bitPattern)
        #expect(mask.allSatisfy { $0 == 7 })
        #expect(error!.description.contains("label 2 at pixel (5, 1)"))
    }

    @Test func sizesAreChecked() throws {
        let crf = try DenseCRF(width: 6, height: 4, labels: 2, parameters: .deepLab)
        #expect(throws: CRFError.sizeMismatch(what: "CRF image", expected: 72, got: 71)) {
            try [UInt8](repeating: 0, count: 71).withUnsafeBufferPointer { try crf.setImage($0) }
        }
        try [UInt8](repeating: 0, count: 72).withUnsafeBufferPointer { try crf.setImage($0) }
        var mask = [UInt8](repeating: 0, count: 24)
        #expect(throws: CRFError.sizeMismatch(what: "CRF probabilities", expected: 48, got: 24)) {
            try [Float](repeating: 0.5, count: 24).withUnsafeBufferPointer { p in
                try mask.withUnsafeMutableBufferPointer { try crf.infer(probabilities: p, mask: $0) }
            }
        }
    }

    @Test func imageMustComeBeforeInference() throws {
        let crf = try DenseCRF(width: 2, height: 2, labels: 2, parameters: .deepLab)
        var mask = [UInt8](repeating: 0, count: 4)
        #expect(throws: CRFError.invalidConfiguration("CRF image not set")) {
            try [Float](repeating: 0.5, count: 8).withUnsafeBufferPointer { p in
                try mask.withUnsafeMutableBufferPointer { try crf.infer(probabilities: p, mask: $0) }
            }
        }
    }

    @Test func badConfigurationsAreRefused() {
        var zeroStd = CRFParameters.deepLab
        zeroStd.bilateral.rgbStd = 0
        var wrongMatrix = CRFParameters.deepLab
        wrongMatrix.gaussian.compatibility = .matrix(labels: 3, values: [1, 2, 3])
        #expect(throws: CRFError.self) { try DenseCRF(width: 4, height: 4, labels: 0, parameters: .deepLab) }
        #expect(throws: CRFError.self) { try DenseCRF(width: 4, height: 4, labels: 257, parameters: .deepLab) }
        #expect(throws: CRFError.self) { try DenseCRF(width: 0, height: 4, labels: 2, parameters: .deepLab) }
        #expect(throws: CRFError.self) { try DenseCRF(width: 4, height: 4, labels: 2, parameters: zeroStd) }
        #expect(throws: CRFError.self) { try DenseCRF(width: 4, height: 4, labels: 3, parameters: wrongMatrix) }
    }

    /// A 1x1 image and a single row still build lattices and keep the probabilities.
    @Test func tinyImagesWork() throws {
        for (width, height) in [(1, 1), (9, 1), (1, 7)] {
            let crf = try DenseCRF(width: width, height: height, labels: 2, parameters: .deepLab)
            try [UInt8](repeating: 30, count: width * height * 3).withUnsafeBufferPointer { try crf.setImage($0) }
            var mask = [UInt8](repeating: 9, count: width * height)
            let probabilities = [Float](repeating: 0.2, count: width * height) + [Float](repeating: 0.8, count: width * height)
            try probabilities.withUnsafeBufferPointer { p in
                try mask.withUnsafeMutableBufferPointer { try crf.infer(probabilities: p, mask: $0) }
            }
            #expect(mask.allSatisfy { $0 == 1 })
        }
    }
}

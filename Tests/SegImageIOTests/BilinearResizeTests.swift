import Foundation
import Testing
@testable import SegImageIO

/// Against Pillow 13's `Image.BILINEAR` output (Tests/Fixtures/images/make_pillow_resize.py).
@Suite struct BilinearResizeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/images")

    static func load(_ name: String) throws -> RGBImage {
        try ImageCodecs.load(path: fixtures.appendingPathComponent(name).path)
    }

    @Test(arguments: [(16, 11), (21, 37), (53, 12), (97, 80), (7, 61), (1, 1)])
    func bitExactWithPillow(size: (Int, Int)) throws {
        let source = try Self.load("source.png")
        let expected = try Self.load("resize_\(size.0)x\(size.1).png")
        let got = source.resizedBilinear(width: size.0, height: size.1)
        #expect(got.width == expected.width && got.height == expected.height)
        let differing = zip(got.pixels, expected.pixels).filter { $0 != $1 }.count
        #expect(differing == 0, "\(differing) of \(got.pixels.count) bytes differ at \(size.0)x\(size.1)")
    }

    @Test func sameSizeIsACopy() throws {
        let source = try Self.load("source.png")
        #expect(source.resizedBilinear(width: source.width, height: source.height) == source)
    }

    @Test func weightsOfEachOutputSampleSumToOne() {
        for (n, m) in [(768, 321), (321, 768), (576, 321), (5, 3), (3, 5)] {
            let c = ResampleCoefficients(input: n, output: m)
            for i in 0..<m {
                let sum = c.weights[(i * c.taps)..<((i + 1) * c.taps)].reduce(0, +)
                #expect(abs(sum - (1 << ResampleCoefficients.precisionBits)) <= c.taps, "\(n)->\(m) sample \(i): \(sum)")
            }
        }
    }
}

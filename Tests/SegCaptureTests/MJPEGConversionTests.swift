import SegCapture
import SegKernels
import SegKernelsConformance
import Testing

/// MJPEG frames through `FrameConverter`: decoded by libjpeg-turbo (DCT-scaled or full size), then
/// `PixelConversion`. Small frames (160x120 into 81x81): debug builds run these too.
@Suite struct MJPEGConversionTests {
    private static let width = 160, height = 120
    private static let photo = syntheticPhoto(width: width, height: height)
    private static let jpeg = encodeJPEG(photo, width: width, height: height)
    private static let source = SourceFormat(format: .mjpeg, width: width, height: height, fps: 30)
    private static let input = ModelInputLayout(width: 81, height: 81, normalization: testNormalization)

    /// The smallest of 1/8, 1/4, 1/2 whose scaled crop is at least 2/3 of the destination.
    @Test func scaleChoiceKeepsTheResizeBelowOnePointFiveTimesUpsampling() {
        func choose(_ crop: (Int, Int), _ destination: (Int, Int)) -> Int {
            DCTScale.choose(cropWidth: crop.0, cropHeight: crop.1, destinationWidth: destination.0, destinationHeight: destination.1).denominator
        }
        #expect(choose((480, 480), (321, 321)) == 2, "640x480 centre crop into 321x321")
        #expect(choose((640, 480), (321, 321)) == 2, "640x480 stretched")
        #expect(choose((1080, 1080), (321, 321)) == 4)
        #expect(choose((1920, 1080), (321, 321)) == 4, "1080 / 4 = 270 >= 214")
        #expect(choose((2592, 1944), (321, 321)) == 8, "1944 / 8 = 243 >= 214")
        #expect(choose((320, 240), (321, 321)) == 1, "already smaller than the input")
        #expect(choose((428, 428), (321, 321)) == 2, "214 is exactly 2/3 of 321")
        #expect(choose((426, 426), (321, 321)) == 1, "213 < 214")
        #expect(choose((1280, 300), (321, 200)) == 2, "1/4 would do for the width but not the height")
    }

    @Test func converterDecodesAtTheChosenScaleOrFullSize() throws {
        let scaled = try FrameConverter(source: Self.source, input: Self.input, framing: .crop)
        #expect(scaled.decodeScale == DCTScale.choose(cropWidth: 120, cropHeight: 120, destinationWidth: 81, destinationHeight: 81))
        #expect(scaled.decodeScale.denominator == 2)
        #expect(scaled.geometry.frame == FrameLayout(format: .rgb24, width: 80, height: 60))
        #expect(scaled.geometry.crop == PixelRect(x: 10, y: 0, width: 60, height: 60))
        let full = try FrameConverter(source: Self.source, input: Self.input, framing: .crop, dctScaling: false)
        #expect(full.decodeScale == .full)
        #expect(full.geometry.crop == PixelRect(x: 20, y: 0, width: 120, height: 120))
    }

    /// Without DCT scaling the converter is exactly libjpeg-turbo's full-size decode followed by
    /// `pixelConversionReference`, for every framing.
    @Test(arguments: Framing.allCases)
    func fullSizeDecodeMatchesTheReferenceExactly(_ framing: Framing) throws {
        let converter = try FrameConverter(source: Self.source, input: Self.input, framing: framing, dctScaling: false)
        let (converted, output) = convert(converter, Self.jpeg)
        #expect(converted)
        let decoded = decodeJPEG(Self.jpeg, width: Self.width, height: Self.height)
        #expect(output == referenceConversion(converter.geometry, normalization: testNormalization, frame: decoded))
    }

    /// A DCT-scaled decode is not the full decode resized, but close to the full decode shrunk
    /// with a 2x2 box filter (what the 1/2 scale approximates: 1.1-1.8 LSB measured) and within
    /// 4 LSB of the full decode point-sampled by the bilinear resize (2.0-3.2 LSB measured; the
    /// test photo's hard-edged discs alias in that path, which is why DCT scaling is used).
    @Test(arguments: Framing.allCases)
    func scaledDecodeIsCloseToTheFullSizeDecode(_ framing: Framing) throws {
        let scaled = try FrameConverter(source: Self.source, input: Self.input, framing: framing)
        let full = try FrameConverter(source: Self.source, input: Self.input, framing: framing, dctScaling: false)
        #expect(scaled.decodeScale.denominator == 2)
        let (scaledOK, a) = convert(scaled, Self.jpeg), (fullOK, b) = convert(full, Self.jpeg)
        #expect(scaledOK && fullOK)
        let boxed = boxFilteredHalf(decodeJPEG(Self.jpeg, width: Self.width, height: Self.height), width: Self.width, height: Self.height)
        let c = referenceConversion(scaled.geometry, normalization: testNormalization, frame: boxed)
        #expect(meanAbsoluteDifference(a, c) < 2)
        #expect(meanAbsoluteDifference(a, b) < 4)
    }

    private func meanAbsoluteDifference(_ a: [Int8], _ b: [Int8]) -> Double {
        Double(zip(a, b).map { abs(Int($0) - Int($1)) }.reduce(0, +)) / Double(a.count)
    }

    /// An RGB24 image (even size) shrunk to half by averaging each 2x2 block, rounded.
    private func boxFilteredHalf(_ rgb: [UInt8], width: Int, height: Int) -> [UInt8] {
        var half = [UInt8](repeating: 0, count: width / 2 * height / 2 * 3)
        for y in 0..<height / 2 {
            for x in 0..<width / 2 {
                for c in 0..<3 {
                    let top = (2 * y * width + 2 * x) * 3 + c, bottom = top + width * 3
                    let sum = Int(rgb[top]) + Int(rgb[top + 3]) + Int(rgb[bottom]) + Int(rgb[bottom + 3])
                    half[(y * width / 2 + x) * 3 + c] = UInt8((sum + 2) / 4)
                }
            }
        }
        return half
    }

    /// Padding after the image, as UVC cameras send, changes nothing.
    @Test func paddedFramesDecodeAsTheImage() throws {
        let converter = try FrameConverter(source: Self.source, input: Self.input, framing: .crop)
        let (plainOK, plain) = convert(converter, Self.jpeg)
        let (paddedOK, padded) = convert(converter, Self.jpeg + [UInt8](repeating: 0, count: 1000))
        #expect(plainOK && paddedOK && plain == padded)
        #expect(converter.corruptFrames == 0)
    }

    /// Every cut-short frame is dropped and counted; a whole frame afterwards still converts.
    @Test func truncatedFramesAreCountedNeverCrash() throws {
        let converter = try FrameConverter(source: Self.source, input: Self.input, framing: .crop)
        var random = SplitMix64(seed: 7)
        for _ in 0..<100 {
            let cut = random.int(0..<(Self.jpeg.count - 1))
            #expect(!convert(converter, Array(Self.jpeg.prefix(cut))).0, "cut at \(cut)")
        }
        #expect(converter.corruptFrames == 100)
        #expect(convert(converter, Self.jpeg).0)
        #expect(converter.corruptFrames == 100)
    }

    /// Flipped bits may leave a decodable image or not; either way nothing crashes and every
    /// refused frame is counted.
    @Test func bitFlipsAreCountedNeverCrash() throws {
        let converter = try FrameConverter(source: Self.source, input: Self.input, framing: .letterbox)
        var random = SplitMix64(seed: 9)
        var refused = 0
        for _ in 0..<100 {
            var frame = Self.jpeg
            for _ in 0..<random.int(1..<9) {
                frame[random.int(2..<frame.count)] ^= UInt8(1) << UInt8(random.int(0..<8))
            }
            if !convert(converter, frame).0 { refused += 1 }
        }
        #expect(converter.corruptFrames == refused)
        #expect(refused > 0)
    }

    @Test func framesThatAreNotTheStreamsImageAreRefused() throws {
        let converter = try FrameConverter(source: Self.source, input: Self.input, framing: .crop)
        let smaller = encodeJPEG(syntheticPhoto(width: 80, height: 60), width: 80, height: 60)
        #expect(!convert(converter, smaller).0)
        #expect(converter.lastCorruption == .wrongSize(width: 80, height: 60))
        #expect(!convert(converter, []).0)
        #expect(converter.lastCorruption == .notJPEG)
        #expect(!convert(converter, [UInt8](repeating: 0, count: 5000)).0)
        #expect(converter.lastCorruption == .notJPEG)
        #expect(!convert(converter, Array(Self.jpeg.prefix(Self.jpeg.count - 2))).0)
        #expect(converter.lastCorruption == .truncated)
        var badHeader = Self.jpeg
        badHeader.replaceSubrange(2..<6, with: [0xFF, 0xC0, 0x00, 0x01])
        #expect(!convert(converter, badHeader).0)
        #expect(converter.lastCorruption == .unreadableHeader)
        #expect(converter.corruptFrames == 5)
    }

    @Test func decoderRefusesImpossibleSizes() {
        #expect(throws: CaptureError.self) { try MJPEGDecoder(width: 0, height: 10, scale: .full) }
        #expect(throws: CaptureError.self) { try MJPEGDecoder(width: 70000, height: 10, scale: .full) }
    }
}

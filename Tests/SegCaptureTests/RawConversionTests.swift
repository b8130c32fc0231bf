import Glibc
import SegCapture
import SegKernels
import SegKernelsConformance
import Testing

/// Raw frames (YUYV, NV12, RGB24, BGR24) through `FrameConverter`: bit-exact with
/// `pixelConversionReference` for every framing, including frames that end right before an
/// unmapped page, where a read past the frame would crash the test.
@Suite struct RawConversionTests {
    /// A frame shape: size, row stride (nil: packed), and the input it is converted into.
    struct Case: CustomStringConvertible, Sendable {
        var format: CaptureFormat
        var width: Int, height: Int, rowStride: Int?
        var inputWidth: Int, inputHeight: Int

        var description: String { "\(format) \(width)x\(height) stride \(rowStride.map(String.init) ?? "packed") -> \(inputWidth)x\(inputHeight)" }
    }

    static let cases: [Case] = [CaptureFormat.yuyv, .nv12, .rgb24, .bgr24].flatMap { format in
        [
            Case(format: format, width: 64, height: 48, rowStride: nil, inputWidth: 33, inputHeight: 33),
            Case(format: format, width: 70, height: 46, rowStride: nil, inputWidth: 25, inputHeight: 31),
            Case(format: format, width: 50, height: 30, rowStride: format == .nv12 ? 64 : 160, inputWidth: 41, inputHeight: 17),
        ]
    }

    /// The whole frame's bytes, as a camera fills them.
    private static func frameByteCount(_ source: SourceFormat) -> Int {
        source.format == .nv12
            ? source.rowStride * source.height + (source.height / 2 - 1) * source.chromaRowStride + source.width
            : (source.height - 1) * source.rowStride + source.width * (source.format == .yuyv ? 2 : 3)
    }

    /// `count` bytes ending at an unmapped page, and their release.
    private static func bytesBeforeAGuardPage(_ count: Int) -> (UnsafeMutableRawPointer, () -> Void) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let mapped = (count + page - 1) / page * page
        let base = mmap(nil, mapped + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        precondition(base != MAP_FAILED)
        precondition(mprotect(base + mapped, page, PROT_NONE) == 0)
        return (base + (mapped - count), { munmap(base, mapped + page) })
    }

    @Test(arguments: cases, Framing.allCases)
    func conversionMatchesTheReferenceAndStaysInsideTheFrame(_ shape: Case, _ framing: Framing) throws {
        let source = SourceFormat(format: shape.format, width: shape.width, height: shape.height, rowStride: shape.rowStride, fps: 30)
        let input = ModelInputLayout(width: shape.inputWidth, height: shape.inputHeight, channelOrder: .bgr, normalization: testNormalization)
        let converter = try FrameConverter(source: source, input: input, framing: framing)
        let count = Self.frameByteCount(source)
        var random = SplitMix64(seed: UInt64(count))
        let frame = random.bytes(count)
        let expected = referenceConversion(
            converter.geometry, normalization: testNormalization, frame: frame, chromaOffset: source.rowStride * source.height)

        let (guarded, release) = Self.bytesBeforeAGuardPage(count)
        defer { release() }
        frame.withUnsafeBytes { guarded.copyMemory(from: $0.baseAddress!, byteCount: count) }
        var output = [Int8](repeating: 0, count: input.elementCount)
        let converted = output.withUnsafeMutableBufferPointer {
            converter.convert(
                CapturedFrame(format: source, bytes: UnsafeRawBufferPointer(start: guarded, count: count), sequence: 0, timestampNanoseconds: 0),
                into: $0.baseAddress!)
        }
        #expect(converted)
        #expect(output == expected)
        // From a buffer with room after the frame: the same, and never copied.
        let copiesBefore = converter.copiedFrames
        #expect(convert(converter, frame + [UInt8](repeating: 0, count: AlignedBuffer.kernelTailPadding)) == (true, expected))
        #expect(converter.copiedFrames == copiesBefore)
        #expect(converter.corruptFrames == 0)
    }

    /// The common camera case needs no copy: a 640x480 frame that fills its V4L2 buffer to the
    /// last byte (YUYV: exactly 150 pages) is converted where it lies, next to an unmapped page.
    @Test(arguments: [CaptureFormat.yuyv, .nv12], [Framing.crop, .stretch])
    func vgaFramesConvertInPlace(_ format: CaptureFormat, _ framing: Framing) throws {
        let source = SourceFormat(format: format, width: 640, height: 480, fps: 30)
        let input = ModelInputLayout(width: 321, height: 321, normalization: testNormalization)
        let converter = try FrameConverter(source: source, input: input, framing: framing)
        let count = Self.frameByteCount(source)
        let (guarded, release) = Self.bytesBeforeAGuardPage(count)
        defer { release() }
        guarded.initializeMemory(as: UInt8.self, repeating: 90, count: count)
        let output = AlignedBuffer(byteCount: input.elementCount)
        let frame = CapturedFrame(format: source, bytes: UnsafeRawBufferPointer(start: guarded, count: count), sequence: 0, timestampNanoseconds: 0)
        #expect(converter.convert(frame, into: output.typed(Int8.self, count: input.elementCount)))
        #expect(converter.copiedFrames == 0)
    }

    /// The placement each framing gives, on a 4:3 frame into a square input.
    @Test func framingsPlaceTheFrameAsDocumented() throws {
        let source = SourceFormat(format: .yuyv, width: 64, height: 48, fps: 30)
        let input = ModelInputLayout(width: 33, height: 33, normalization: testNormalization)
        let crop = try FrameConverter(source: source, input: input, framing: .crop).geometry
        #expect(crop.crop == PixelRect(x: 8, y: 0, width: 48, height: 48))
        #expect(crop.destination == PixelRect(x: 0, y: 0, width: 33, height: 33))
        let letterbox = try FrameConverter(source: source, input: input, framing: .letterbox).geometry
        #expect(letterbox.crop == PixelRect(x: 0, y: 0, width: 64, height: 48))
        #expect(letterbox.destination == PixelRect.letterbox(contentWidth: 64, contentHeight: 48, outputWidth: 33, outputHeight: 33))
        let stretch = try FrameConverter(source: source, input: input, framing: .stretch).geometry
        #expect(stretch.crop == PixelRect(x: 0, y: 0, width: 64, height: 48))
        #expect(stretch.destination == PixelRect(x: 0, y: 0, width: 33, height: 33))
        // YUV crops start on an even column: (68 - 46) / 2 = 11 moves to 10.
        let odd = try FrameConverter(
            source: SourceFormat(format: .yuyv, width: 68, height: 46, fps: 30), input: input, framing: .crop).geometry
        #expect(odd.crop == PixelRect(x: 10, y: 0, width: 46, height: 46))
        let tall = try FrameConverter(
            source: SourceFormat(format: .rgb24, width: 48, height: 64, fps: 30), input: input, framing: .crop).geometry
        #expect(tall.crop == PixelRect(x: 0, y: 8, width: 48, height: 48))
    }

    @Test(arguments: [CaptureFormat.yuyv, .nv12, .rgb24, .bgr24])
    func shortFramesAreCountedNeverConverted(_ format: CaptureFormat) throws {
        let source = SourceFormat(format: format, width: 64, height: 48, fps: 30)
        let converter = try FrameConverter(
            source: source, input: ModelInputLayout(width: 33, height: 33, normalization: testNormalization), framing: .crop)
        let count = Self.frameByteCount(source)
        #expect(!convert(converter, [UInt8](repeating: 0, count: count - 1)).0)
        #expect(converter.lastCorruption == .short(byteCount: count - 1, needed: count))
        #expect(!convert(converter, []).0)
        #expect(converter.corruptFrames == 2)
        #expect(convert(converter, [UInt8](repeating: 0, count: count)).0)
        #expect(converter.corruptFrames == 2)
    }

    @Test func unconvertibleFormatsAreRefusedWithTheSource() {
        let input = ModelInputLayout(width: 33, height: 33, normalization: testNormalization)
        #expect {
            try FrameConverter(source: SourceFormat(format: .yuyv, width: 63, height: 48, fps: 30), input: input, framing: .crop)
        } throws: { error in
            guard case .unusable(let device, let reason) = error as? CaptureError else { return false }
            return device.contains("yuyv 63x48") && reason.contains("frame.width")
        }
        #expect(throws: CaptureError.self) {
            try FrameConverter(source: SourceFormat(format: .rgb24, width: 64, height: 48, fps: 30), input: ModelInputLayout(width: 0, height: 33, normalization: testNormalization), framing: .crop)
        }
        #expect(throws: CaptureError.self) {
            try FrameConverter(source: SourceFormat(format: .rgb24, width: 64, height: 48, rowStride: 100, fps: 30), input: input, framing: .stretch)
        }
    }
}

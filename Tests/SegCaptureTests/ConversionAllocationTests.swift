import CAllocationCounter
import SegCapture
import SegKernels
import Testing

/// Converting a frame never touches the heap once the converter has seen a frame.
@Suite struct ConversionAllocationTests {
    private static let input = ModelInputLayout(width: 33, height: 33, normalization: testNormalization)

    /// Heap allocations of the second `convert` of `bytes` (the first may warm up lazily
    /// initialized runtime state).
    private func allocations(_ converter: FrameConverter, _ bytes: [UInt8]) -> UInt64 {
        let output = AlignedBuffer(byteCount: Self.input.elementCount)
        let target = output.typed(Int8.self, count: Self.input.elementCount)
        return bytes.withUnsafeBytes { frame in
            let captured = CapturedFrame(format: converter.source, bytes: frame, sequence: 0, timestampNanoseconds: 0)
            _ = converter.convert(captured, into: target)
            let before = allocation_counter_thread_allocations()
            _ = converter.convert(captured, into: target)
            return allocation_counter_thread_allocations() - before
        }
    }

    /// Raw frames, converted in place and through the padded copy (a frame without room after
    /// it whose crop reaches its right edge), and dropped frames: no allocation at all.
    @Test(arguments: [CaptureFormat.yuyv, .nv12, .rgb24, .bgr24], Framing.allCases)
    func rawFramesAllocateNothing(_ format: CaptureFormat, _ framing: Framing) throws {
        let source = SourceFormat(format: format, width: 70, height: 46, fps: 30)
        let converter = try FrameConverter(source: source, input: Self.input, framing: framing)
        let frame = [UInt8](repeating: 100, count: source.rowStride * source.height * 2)
        #expect(allocations(converter, frame) == 0)
        let tight = Array(frame.prefix(format == .nv12 ? source.rowStride * source.height * 3 / 2 : source.rowStride * source.height))
        #expect(allocations(converter, tight) == 0)
        #expect(allocations(converter, [1, 2, 3]) == 0)
        #expect(converter.corruptFrames == 2)
    }

    /// MJPEG: once the stream's first frame has sized libjpeg's arena, no allocation for a frame,
    /// a corrupt frame or a cut-short one.
    @Test(arguments: Framing.allCases)
    func mjpegFramesAllocateNothing(_ framing: Framing) throws {
        let width = 96, height = 64
        let jpeg = encodeJPEG(syntheticPhoto(width: width, height: height), width: width, height: height)
        let converter = try FrameConverter(source: SourceFormat(format: .mjpeg, width: width, height: height, fps: 30), input: Self.input, framing: framing)
        #expect(allocations(converter, jpeg) == 0)
        #expect(allocations(converter, Array(jpeg.prefix(jpeg.count / 2))) == 0, "cut short: refused before decoding")
        var corrupt = jpeg
        corrupt[jpeg.count / 2] ^= 0x55
        #expect(allocations(converter, corrupt) == 0)
        #expect(allocations(converter, jpeg) == 0)
    }
}

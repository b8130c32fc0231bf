import CAllocationCounter
import CTurboJPEG
import SegCapture
import SegKernels
import Testing

/// Converting a frame touches the heap only where libjpeg-turbo must.
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

    /// MJPEG: exactly what a bare libjpeg-turbo header read and decode allocate (its per-image
    /// working memory), nothing more; corrupt frames no more than that either.
    @Test(arguments: Framing.allCases)
    func mjpegFramesAllocateOnlyWhatLibjpegTurboDoes(_ framing: Framing) throws {
        let width = 96, height = 64
        let jpeg = encodeJPEG(syntheticPhoto(width: width, height: height), width: width, height: height)
        let converter = try FrameConverter(source: SourceFormat(format: .mjpeg, width: width, height: height, fps: 30), input: Self.input, framing: framing)
        let library = bareDecodeAllocations(jpeg, width: converter.decodeScale.scaled(width), height: converter.decodeScale.scaled(height))
        #expect(allocations(converter, jpeg) == library)
        #expect(allocations(converter, Array(jpeg.prefix(jpeg.count / 2))) == 0, "cut short: refused before decoding")
        var corrupt = jpeg
        corrupt[jpeg.count / 2] ^= 0x55
        #expect(allocations(converter, corrupt) <= library)
    }

    /// Allocations of libjpeg-turbo's second header read + decode of `jpeg` into a
    /// `width x height` RGB buffer.
    private func bareDecodeAllocations(_ jpeg: [UInt8], width: Int, height: Int) -> UInt64 {
        let handle = tjInitDecompress()!
        defer { tjDestroy(handle) }
        let pixels = AlignedBuffer(byteCount: width * height * 3)
        var result: UInt64 = 0
        jpeg.withUnsafeBufferPointer { bytes in
            var w: Int32 = 0, h: Int32 = 0, subsampling: Int32 = 0, colourspace: Int32 = 0
            for _ in 0..<2 {
                let before = allocation_counter_thread_allocations()
                _ = tjDecompressHeader3(handle, bytes.baseAddress, UInt(bytes.count), &w, &h, &subsampling, &colourspace)
                _ = tjDecompress2(
                    handle, bytes.baseAddress, UInt(bytes.count), pixels.typed(UInt8.self, count: width * height * 3), Int32(width),
                    Int32(width * 3), Int32(height), Int32(TJPF_RGB.rawValue), TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS)
                result = allocation_counter_thread_allocations() - before
            }
        }
        return result
    }
}

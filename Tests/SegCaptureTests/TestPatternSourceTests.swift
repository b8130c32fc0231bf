import CAllocationCounter
import SegCapture
import SegKernels
import Testing

@Suite struct TestPatternSourceTests {
    private func frames(_ source: TestPatternSource, _ count: Int) throws -> [[UInt8]] {
        var frames: [[UInt8]] = []
        for _ in 0..<count {
            #expect(try source.nextFrame(timeoutMilliseconds: 1000) { frames.append(Array($0.bytes)) })
        }
        return frames
    }

    @Test(arguments: [CaptureFormat.yuyv, .nv12, .rgb24, .bgr24])
    func consecutiveFramesDifferAndConvert(_ format: CaptureFormat) throws {
        let source = try TestPatternSource(format: format, width: 64, height: 48, fps: 1000)
        #expect(source.format == SourceFormat(format: format, width: 64, height: 48, fps: 1000))
        let made = try frames(source, 3)
        #expect(made[0] != made[1] && made[1] != made[2])
        #expect(made[0].count == (format == .nv12 ? 64 * 48 * 3 / 2 : source.format.rowStride * 48))
        let converter = try FrameConverter(
            source: source.format, input: ModelInputLayout(width: 33, height: 33, normalization: testNormalization), framing: .letterbox)
        #expect(convert(converter, made[0]).0)
        #expect(source.statistics.frames == 3)
    }

    /// The first bar is white, the last black, in every encoding (BT.601 limited range for YUV).
    @Test func barsHaveTheirColours() throws {
        let rgb = try frames(TestPatternSource(format: .rgb24, width: 64, height: 48, fps: 1000), 1)[0]
        #expect(Array(rgb[0..<3]) == [255, 255, 255])
        #expect(Array(rgb[(63 * 3)..<(64 * 3)]) == [0, 0, 0])
        let bgr = try frames(TestPatternSource(format: .bgr24, width: 64, height: 48, fps: 1000), 1)[0]
        #expect(Array(bgr[(5 * 8 * 3)..<(5 * 8 * 3 + 3)]) == [0, 0, 255], "the sixth bar is red")
        let yuyv = try frames(TestPatternSource(format: .yuyv, width: 64, height: 48, fps: 1000), 1)[0]
        #expect(Array(yuyv[0..<4]) == [235, 128, 235, 128])
        #expect(Array(yuyv[124..<128]) == [16, 128, 16, 128])
    }

    @Test func makingAFrameAllocatesNothing() throws {
        let source = try TestPatternSource(format: .nv12, width: 64, height: 48, fps: 1000)
        var sum = 0
        _ = try source.nextFrame(timeoutMilliseconds: 100) { sum &+= Int($0.bytes[0]) }
        let before = allocation_counter_thread_allocations()
        _ = try source.nextFrame(timeoutMilliseconds: 100) { sum &+= Int($0.bytes[0]) }
        #expect(allocation_counter_thread_allocations() - before == 0)
    }

    @Test func impossibleRequestsAreRefused() {
        #expect(throws: CaptureError.self) { try TestPatternSource(format: .mjpeg, width: 64, height: 48, fps: 30) }
        #expect(throws: CaptureError.self) { try TestPatternSource(format: .yuyv, width: 63, height: 48, fps: 30) }
        #expect(throws: CaptureError.self) { try TestPatternSource(format: .rgb24, width: 64, height: 48, fps: 0) }
    }
}

import CV4L2
import Glibc

/// A V4L2 camera streaming through mmap buffers. Negotiates format, size and rate from a
/// `CaptureRequest` (VIDIOC_S_FMT, then VIDIOC_S_PARM: drivers such as vivid keep their default
/// rate otherwise), queues all buffers and streams; `nextFrame` polls, dequeues one buffer,
/// lends it to the consumer and queues it again at once. Frames lost before segd saw them are
/// counted from gaps in the driver's sequence numbers. Not thread-safe: one capture thread.
public final class V4L2Source: FrameSource {
    public let format: SourceFormat
    public private(set) var statistics = CaptureStatistics()
    /// The device as it described itself when opened.
    public let device: V4L2DeviceDescription
    private let node: V4L2Device
    private var buffers: [UnsafeMutableRawBufferPointer] = []
    private var lastSequence: UInt32?
    /// Whether a gap before the current frame counts: not between the first two frames, since
    /// v4l2loopback hands a new reader a stale buffer numbered 0 first.
    private var countsGaps = false
    private var streaming = false

    /// Opens `path`, negotiates `request` and starts streaming with `bufferCount` mmap buffers
    /// (the driver may grant more).
    /// - Throws: `CaptureError.unsupported` listing the device's offers when it cannot deliver the
    ///   request, `.unusable` when it is not a streaming capture device, `.system` otherwise.
    public init(path: String, request: CaptureRequest, bufferCount: Int = 4) throws(CaptureError) {
        precondition(bufferCount >= 2, "V4L2 streaming needs at least two buffers")
        node = try V4L2Device(path: path)
        device = try V4L2DeviceDescription.query(node)
        guard device.canStreamCapture else {
            throw CaptureError.unusable(
                device: path, reason: "not a video capture device with streaming I/O (driver \(device.driver), \(device.card))")
        }
        let choice = try negotiateCapture(request, offers: device.formats, device: path)

        var pixFormat = v4l2_format()
        pixFormat.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        pixFormat.fmt.pix.width = UInt32(choice.width)
        pixFormat.fmt.pix.height = UInt32(choice.height)
        pixFormat.fmt.pix.pixelformat = fourCC(choice.format)
        pixFormat.fmt.pix.field = V4L2_FIELD_NONE.rawValue
        try node.control(SEGD_VIDIOC_S_FMT, "VIDIOC_S_FMT", &pixFormat)
        let pix = pixFormat.fmt.pix
        guard pix.width == UInt32(choice.width), pix.height == UInt32(choice.height), captureFormat(fourCC: pix.pixelformat) == choice.format
        else {
            throw CaptureError.unsupported(
                device: path, requested: request.description + " (the driver answered \(fourCCString(pix.pixelformat)) \(pix.width)x\(pix.height))",
                offered: describeOffers(device.formats, convertibleOnly: true))
        }

        var fps = choice.fps
        var parameters = v4l2_streamparm()
        parameters.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        if node.controlErrno(SEGD_VIDIOC_G_PARM, &parameters) == nil,
            parameters.parm.capture.capability & UInt32(V4L2_CAP_TIMEPERFRAME) != 0
        {
            parameters.parm.capture.timeperframe = frameInterval(fps: choice.fps)
            try node.control(SEGD_VIDIOC_S_PARM, "VIDIOC_S_PARM", &parameters)
            fps = framesPerSecond(parameters.parm.capture.timeperframe) ?? choice.fps
        }
        let stride = Int(pix.bytesperline)
        format = SourceFormat(
            format: choice.format, width: choice.width, height: choice.height,
            rowStride: choice.format == .mjpeg ? 0 : stride, chromaRowStride: choice.format == .nv12 ? stride : 0, fps: fps)

        var request = v4l2_requestbuffers()
        request.count = UInt32(bufferCount)
        request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        request.memory = V4L2_MEMORY_MMAP.rawValue
        try node.control(SEGD_VIDIOC_REQBUFS, "VIDIOC_REQBUFS", &request)
        guard request.count >= 2 else {
            throw CaptureError.unusable(device: path, reason: "the driver granted \(request.count) mmap buffers; streaming needs at least 2")
        }
        for index in 0..<request.count {
            var buffer = makeBuffer()
            buffer.index = index
            try node.control(SEGD_VIDIOC_QUERYBUF, "VIDIOC_QUERYBUF", &buffer)
            let mapped = v4l2_mmap(nil, Int(buffer.length), PROT_READ | PROT_WRITE, MAP_SHARED, node.descriptor, Int64(buffer.m.offset))
            guard let mapped, mapped != MAP_FAILED else { throw CaptureError.system(device: path, call: "mmap", errno: errno) }
            buffers.append(UnsafeMutableRawBufferPointer(start: mapped, count: Int(buffer.length)))
            try node.control(SEGD_VIDIOC_QBUF, "VIDIOC_QBUF", &buffer)
        }
        var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        try node.control(SEGD_VIDIOC_STREAMON, "VIDIOC_STREAMON", &type)
        streaming = true
    }

    deinit {
        if streaming {
            var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
            _ = node.controlErrno(SEGD_VIDIOC_STREAMOFF, &type)
        }
        for buffer in buffers { _ = v4l2_munmap(buffer.baseAddress, buffer.count) }
    }

    public func nextFrame(timeoutMilliseconds: Int, _ consume: (CapturedFrame) -> Void) throws(CaptureError) -> Bool {
        let deadline = monotonicNanoseconds() &+ UInt64(max(0, timeoutMilliseconds)) &* 1_000_000
        while true {
            let now = monotonicNanoseconds()
            let remaining = deadline > now ? Int((deadline - now) / 1_000_000) : 0
            let events = try node.wait(timeoutMilliseconds: remaining)
            guard events != 0 else {
                statistics.timeouts += 1
                return false
            }
            var buffer = makeBuffer()
            if let code = node.controlErrno(SEGD_VIDIOC_DQBUF, &buffer) {
                guard code == EAGAIN else { throw CaptureError.system(device: device.path, call: "VIDIOC_DQBUF", errno: code) }
                // An error or hang-up with nothing to dequeue is a failed device; a plain wake-up
                // without a buffer just waits for the rest of the timeout.
                if events & Int16(POLLERR | POLLHUP) != 0 {
                    throw CaptureError.system(device: device.path, call: "poll", errno: EIO)
                }
                continue
            }
            countGap(before: buffer.sequence)
            let damaged = buffer.flags & UInt32(V4L2_BUF_FLAG_ERROR) != 0
            if damaged {
                statistics.dropped += 1
            } else {
                let mapped = buffers[Int(buffer.index)]
                let used = buffer.bytesused > 0 ? min(Int(buffer.bytesused), mapped.count) : mapped.count
                let frame = CapturedFrame(
                    format: format, bytes: UnsafeRawBufferPointer(start: mapped.baseAddress, count: used),
                    sequence: UInt64(buffer.sequence), timestampNanoseconds: timestamp(of: buffer))
                consume(frame)
                statistics.frames += 1
            }
            try node.control(SEGD_VIDIOC_QBUF, "VIDIOC_QBUF", &buffer)
            if !damaged { return true }
        }
    }

    private func makeBuffer() -> v4l2_buffer {
        var buffer = v4l2_buffer()
        buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        buffer.memory = V4L2_MEMORY_MMAP.rawValue
        return buffer
    }

    /// Frames the driver numbered but never delivered (its sequence counter wraps at 2^32),
    /// from the second frame on.
    private func countGap(before sequence: UInt32) {
        if let last = lastSequence {
            let gap = sequence &- last &- 1
            if countsGaps && gap > 0 && gap < 1 << 31 { statistics.dropped += Int(gap) }
            countsGaps = true
        }
        lastSequence = sequence
    }

    /// The driver's timestamp when it is CLOCK_MONOTONIC (as V4L2 defines it for capture), else
    /// the time of dequeueing.
    private func timestamp(of buffer: v4l2_buffer) -> UInt64 {
        let source = buffer.flags & UInt32(V4L2_BUF_FLAG_TIMESTAMP_MASK)
        guard source == UInt32(V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC), buffer.timestamp.tv_sec > 0 || buffer.timestamp.tv_usec > 0 else {
            return monotonicNanoseconds()
        }
        return UInt64(buffer.timestamp.tv_sec) &* 1_000_000_000 &+ UInt64(buffer.timestamp.tv_usec) &* 1000
    }
}

/// The V4L2 frame interval (seconds per frame) of a rate: 1/fps for whole rates, else in
/// thousandths (29.97 fps -> 1000/29970).
func frameInterval(fps: Double) -> v4l2_fract {
    if fps == fps.rounded() { return v4l2_fract(numerator: 1, denominator: UInt32(fps)) }
    return v4l2_fract(numerator: 1000, denominator: UInt32((fps * 1000).rounded()))
}

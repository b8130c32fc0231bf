import CV4L2
import Glibc

/// An open V4L2 device node, opened through libv4l2 (which smooths over driver quirks). Owns the
/// file descriptor and closes it on deinit. Every ioctl goes through `control`, which retries
/// EINTR and turns errno into `CaptureError.system` naming the request. Not thread-safe.
final class V4L2Device {
    let path: String
    let descriptor: Int32

    /// Opens `path` read-write and non-blocking (frames are waited for with poll).
    init(path: String) throws(CaptureError) {
        self.path = path
        var opened: Int32
        repeat {
            opened = segd_v4l2_open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        } while opened < 0 && errno == EINTR
        guard opened >= 0 else { throw CaptureError.system(device: path, call: "open", errno: errno) }
        descriptor = opened
    }

    deinit {
        _ = v4l2_close(descriptor)
    }

    /// Runs the ioctl `request` (named `name` in errors) on `argument`.
    func control<Argument>(_ request: UInt, _ name: String, _ argument: inout Argument) throws(CaptureError) {
        if let code = controlErrno(request, &argument) {
            throw CaptureError.system(device: path, call: name, errno: code)
        }
    }

    /// Runs an enumeration ioctl: false once the driver answers EINVAL (past the last entry).
    func enumerate<Argument>(_ request: UInt, _ name: String, _ argument: inout Argument) throws(CaptureError) -> Bool {
        guard let code = controlErrno(request, &argument) else { return true }
        if code == EINVAL { return false }
        throw CaptureError.system(device: path, call: name, errno: code)
    }

    /// Runs the ioctl, retrying EINTR; the errno it failed with, or nil.
    func controlErrno<Argument>(_ request: UInt, _ argument: inout Argument) -> Int32? {
        while true {
            let result = withUnsafeMutablePointer(to: &argument) { segd_v4l2_ioctl(descriptor, request, $0) }
            if result >= 0 { return nil }
            let code = errno
            if code != EINTR { return code }
        }
    }

    /// Waits up to `timeoutMilliseconds` for the device to have something to say: poll's
    /// `revents` (POLLIN for a filled buffer, POLLERR/POLLHUP for a failed or unplugged device),
    /// or 0 on timeout.
    func wait(timeoutMilliseconds: Int) throws(CaptureError) -> Int16 {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let deadline = monotonicNanoseconds() &+ UInt64(max(0, timeoutMilliseconds)) &* 1_000_000
        while true {
            let now = monotonicNanoseconds()
            let remaining = deadline > now ? Int32((deadline - now + 999_999) / 1_000_000) : 0
            let ready = poll(&entry, 1, remaining)
            if ready > 0 { return entry.revents }
            if ready == 0 { return 0 }
            let code = errno
            if code != EINTR { throw CaptureError.system(device: path, call: "poll", errno: code) }
        }
    }
}

/// CLOCK_MONOTONIC in nanoseconds: the clock of V4L2 buffer timestamps and of frame pacing.
public func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}

/// A FOURCC code as its four characters (`YUYV`, `MJPG`).
func fourCCString(_ code: UInt32) -> String {
    var text = ""
    for shift in stride(from: 0, to: 32, by: 8) {
        let byte = UInt8(truncatingIfNeeded: code >> UInt32(shift))
        text.append(byte >= 32 && byte < 127 ? Character(Unicode.Scalar(byte)) : "?")
    }
    return text
}

/// The V4L2 pixel format of a capture encoding. Both JPEG FOURCCs decode alike; MJPG is the one asked for.
func fourCC(_ format: CaptureFormat) -> UInt32 {
    switch format {
    case .yuyv: SEGD_PIX_FMT_YUYV
    case .nv12: SEGD_PIX_FMT_NV12
    case .rgb24: SEGD_PIX_FMT_RGB24
    case .bgr24: SEGD_PIX_FMT_BGR24
    case .mjpeg: SEGD_PIX_FMT_MJPEG
    }
}

/// The capture encoding of a V4L2 pixel format, nil for those segd does not convert.
func captureFormat(fourCC code: UInt32) -> CaptureFormat? {
    switch code {
    case SEGD_PIX_FMT_YUYV: .yuyv
    case SEGD_PIX_FMT_NV12: .nv12
    case SEGD_PIX_FMT_RGB24: .rgb24
    case SEGD_PIX_FMT_BGR24: .bgr24
    case SEGD_PIX_FMT_MJPEG, SEGD_PIX_FMT_JPEG: .mjpeg
    default: nil
    }
}

import Glibc

/// Why a frame source could not open or go on.
public enum CaptureError: Error, Equatable, CustomStringConvertible {
    /// A system call failed: `call` names it (`VIDIOC_DQBUF`, `open`), `errno` is its error.
    case system(device: String, call: String, errno: Int32)
    /// The device cannot deliver what was asked; `offered` lists what it can.
    case unsupported(device: String, requested: String, offered: String)
    /// The device is not a V4L2 streaming capture device, or a replay file is unusable.
    case unusable(device: String, reason: String)
    /// No frame arrived for `milliseconds` although the source is open.
    case stalled(device: String, milliseconds: Int)
    /// A replay source that does not loop has delivered its last frame.
    case endOfStream(device: String)

    /// Whether the source is gone or broken rather than misconfigured: the failures a camera
    /// shows when it is unplugged, resets or stops sending, which reopening may cure.
    public var isRecoverable: Bool {
        switch self {
        case .system(_, _, let code): code == ENODEV || code == EIO || code == ENXIO || code == ENOENT || code == EBUSY
        case .stalled: true
        case .unsupported, .unusable, .endOfStream: false
        }
    }

    public var description: String {
        switch self {
        case .system(let device, let call, let code):
            "\(device): \(call) failed: \(String(cString: strerror(code))) (\(errnoName(code)))"
        case .unsupported(let device, let requested, let offered):
            "\(device): cannot capture \(requested); the device offers:\n\(offered)"
        case .unusable(let device, let reason):
            "\(device): \(reason)"
        case .stalled(let device, let milliseconds):
            "\(device): no frame for \(milliseconds) ms"
        case .endOfStream(let device):
            "\(device): end of stream"
        }
    }
}

/// The symbolic name of the errno values a camera produces, for logs that say what happened.
func errnoName(_ code: Int32) -> String {
    switch code {
    case ENODEV: "ENODEV"
    case EIO: "EIO"
    case ENXIO: "ENXIO"
    case ENOENT: "ENOENT"
    case EBUSY: "EBUSY"
    case EINVAL: "EINVAL"
    case EACCES: "EACCES"
    case ENOMEM: "ENOMEM"
    case EAGAIN: "EAGAIN"
    case EPIPE: "EPIPE"
    default: "errno \(code)"
    }
}

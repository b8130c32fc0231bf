#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a ring file could not be created, attached or read.
public enum ShmRingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed: `call` names it (`open`, `mmap`, `rename`...), `errno` its error.
    case system(path: String, call: String, errno: Int32)
    /// The file does not start with "SEGDRING": not a mask ring (or not yet initialised).
    case badMagic(path: String, found: UInt64)
    /// The file is a mask ring of a layout version this code does not read.
    case unsupportedVersion(path: String, found: UInt32)
    /// The file is shorter than its header says (or than a header).
    case truncated(path: String, size: Int, needed: Int)
    /// Header fields contradict each other or the layout's rules.
    case inconsistentHeader(path: String, reason: String)
    /// The model or slot count cannot be described in a ring (too many classes, empty mask...).
    case invalidConfiguration(reason: String)
    /// The caller's buffer cannot hold the ring's masks.
    case bufferTooSmall(needed: Int, given: Int)

    public var description: String {
        switch self {
        case .system(let path, let call, let code):
            "\(path): \(call) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .badMagic(let path, let found):
            "\(path): not a segd mask ring (magic 0x\(String(found, radix: 16)), expected \"SEGDRING\")"
        case .unsupportedVersion(let path, let found):
            "\(path): mask ring layout version \(found); this reader reads version \(ShmRingLayout.version)"
        case .truncated(let path, let size, let needed):
            "\(path): mask ring file is \(size) bytes; its header needs \(needed)"
        case .inconsistentHeader(let path, let reason):
            "\(path): bad mask ring header: \(reason)"
        case .invalidConfiguration(let reason):
            "cannot create a mask ring: \(reason)"
        case .bufferTooSmall(let needed, let given):
            "mask buffer of \(given) bytes; the ring's masks need \(needed)"
        }
    }
}

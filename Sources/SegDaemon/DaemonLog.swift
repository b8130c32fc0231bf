import Glibc

/// Log lines on stderr in the form journald understands: `<N>message`, N the syslog level
/// (sd-daemon(3)), one write(2) per line so that threads never interleave within a line.
/// Thread-safe.
public enum DaemonLog {
    public enum Level: Int32, Sendable {
        case error = 3, warning = 4, notice = 5, info = 6, debug = 7
    }

    public static func error(_ message: String) { write(.error, message) }
    public static func warning(_ message: String) { write(.warning, message) }
    public static func info(_ message: String) { write(.info, message) }
    public static func debug(_ message: String) { write(.debug, message) }

    public static func write(_ level: Level, _ message: String) {
        var bytes = Array(formatted(level, message).utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    /// Every line of `message` with the level prefix, each ending in a newline.
    static func formatted(_ level: Level, _ message: String) -> String {
        var text = ""
        for line in message.split(separator: "\n", omittingEmptySubsequences: false) {
            text += "<\(level.rawValue)>" + line + "\n"
        }
        return text
    }
}

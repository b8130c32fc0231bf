import Glibc

/// The service manager's notification socket (sd_notify(3)'s protocol: one datagram of
/// `KEY=value` lines to the AF_UNIX socket named by $NOTIFY_SOCKET), without libsystemd.
/// Does nothing when the daemon does not run under systemd. Thread-safe (each message is one
/// sendto on a socket used only for this).
public final class SystemdNotifier: @unchecked Sendable {
    private let descriptor: Int32
    private var address = sockaddr_un()
    private let addressLength: socklen_t
    /// How often the watchdog wants WATCHDOG=1: half of $WATCHDOG_USEC, nil when it is off (or
    /// meant for another process, $WATCHDOG_PID).
    public let watchdogIntervalNanoseconds: UInt64?

    /// Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID once.
    public convenience init() {
        self.init(environment: processEnvironment(), processID: getpid())
    }

    init(environment: [String: String], processID: Int32) {
        let pidMatches = environment["WATCHDOG_PID"].map { Int32($0) == processID } ?? true
        if pidMatches, let usec = environment["WATCHDOG_USEC"].flatMap({ UInt64($0) }), usec > 0 {
            watchdogIntervalNanoseconds = usec * 1000 / 2
        } else {
            watchdogIntervalNanoseconds = nil
        }
        guard let socketPath = environment["NOTIFY_SOCKET"], !socketPath.isEmpty else {
            descriptor = -1
            addressLength = 0
            return
        }
        var path = Array(socketPath.utf8)
        // "@name" is an abstract-namespace socket: a leading NUL byte in sun_path.
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else {
            descriptor = -1
            addressLength = 0
            return
        }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        addressLength = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Whether a service manager listens.
    public var isActive: Bool { descriptor >= 0 }

    /// Sends `state` (newline-separated `KEY=value` assignments). Failures are ignored: the
    /// service manager is either there or not, and a lost status line must not stop the daemon.
    public func notify(_ state: String) {
        guard descriptor >= 0 else { return }
        var bytes = Array(state.utf8)
        var target = address
        _ = withUnsafePointer(to: &target) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeMutableBytes { sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, addressLength) }
            }
        }
    }

    /// RELOADING=1 with the CLOCK_MONOTONIC microseconds systemd (>= 253) wants with it.
    public func notifyReloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        notify("RELOADING=1\nMONOTONIC_USEC=\(UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000)")
    }
}

/// The process's environment as a dictionary (read from `environ`).
func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var entry = environ
    while let pointer = entry.pointee {
        let text = String(cString: pointer)
        if let equals = text.firstIndex(of: "=") {
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        entry += 1
    }
    return result
}

import Glibc

/// Descriptors systemd passed (sd_listen_fds(3)'s protocol: $LISTEN_PID, $LISTEN_FDS from fd 3,
/// names in $LISTEN_FDNAMES), read once at start and removed from the environment so that child
/// processes do not take them for theirs.
public enum SocketActivation {
    /// The listening socket named `name` (FileDescriptorName=), or the only one passed; nil when
    /// the daemon was not socket-activated.
    public static func takeListeningSocket(named name: String) -> Int32? {
        defer {
            unsetenv("LISTEN_PID")
            unsetenv("LISTEN_FDS")
            unsetenv("LISTEN_FDNAMES")
        }
        guard let descriptor = listeningSocket(named: name, environment: processEnvironment(), processID: getpid()) else { return nil }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        return descriptor
    }

    /// The descriptor `environment` passes for `name`: the one whose $LISTEN_FDNAMES entry is
    /// `name`, or the only one; nil when the variables are for another process or absent.
    static func listeningSocket(named name: String, environment: [String: String], processID: Int32) -> Int32? {
        guard environment["LISTEN_PID"].flatMap({ Int32($0) }) == processID,
            let count = environment["LISTEN_FDS"].flatMap({ Int($0) }), count >= 1
        else { return nil }
        let names = environment["LISTEN_FDNAMES"].map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) } ?? []
        guard let index = names.firstIndex(of: name) ?? (count == 1 ? 0 : nil), index < count else { return nil }
        return 3 + Int32(index)
    }
}

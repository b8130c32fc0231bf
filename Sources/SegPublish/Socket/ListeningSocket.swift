import Glibc

/// A listening Unix stream socket: bound to a path by the server (which removes the file on
/// close) or adopted from systemd socket activation (left alone). Non-blocking.
final class ListeningSocket {
    let socket: SocketDescriptor
    /// The path this process bound and must unlink, nil for an adopted socket.
    let boundPath: String?

    /// Binds `path`: a stale socket file (no one listening) is removed first, anything else at
    /// the path is an error. The file gets `mode` and, when given, group `groupID` before
    /// `listen`, so no client can connect while the permissions are still the umask's.
    init(path: String, mode: mode_t, groupID: gid_t?, backlog: Int32 = 64) throws(SocketError) {
        try Self.removeStaleSocket(at: path)
        let socket = try SocketDescriptor.unixStream(nonBlocking: true)
        let bound = try SocketSystemCalls.withAddress(path) { address, length in
            SocketSystemCalls.retrying { bind(socket.descriptor, address, length) }
        }
        if case .failure(let failure) = bound { throw failure.code == EADDRINUSE ? SocketError.addressInUse(path) : SocketError.system(call: "bind", path: path, errno: failure.code) }
        do throws(SocketError) {
            _ = try SocketSystemCalls.check("chmod", path: path) { chmod(path, mode) }
            if let groupID { _ = try SocketSystemCalls.check("chown", path: path) { chown(path, uid_t.max, groupID) } }
            _ = try SocketSystemCalls.check("listen", path: path) { listen(socket.descriptor, backlog) }
        } catch {
            unlink(path)
            throw error
        }
        self.socket = socket
        self.boundPath = path
    }

    /// Adopts `descriptor` (e.g. fd 3 from systemd), which must be a listening Unix stream socket.
    init(adopting descriptor: Int32) throws(SocketError) {
        var status = stat()
        guard descriptor >= 0, fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK else { throw SocketError.notListening(descriptor: descriptor) }
        let socket = SocketDescriptor(owning: descriptor)
        guard (try? socket.option(SO_TYPE)) == Int32(SOCK_STREAM.rawValue), (try? socket.option(SO_ACCEPTCONN)) == 1 else {
            throw SocketError.notListening(descriptor: descriptor)
        }
        try socket.setNonBlocking(true)
        self.socket = socket
        self.boundPath = nil
    }

    deinit {
        if let boundPath { unlink(boundPath) }
    }

    /// Removes a socket file no server listens on; refuses other files and live sockets.
    private static func removeStaleSocket(at path: String) throws(SocketError) {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if errno == ENOENT { return }
            throw SocketError.system(call: "lstat", path: path, errno: errno)
        }
        guard status.st_mode & S_IFMT == S_IFSOCK else { throw SocketError.notASocket(path) }
        let probe = try SocketDescriptor.unixStream(nonBlocking: true)
        do throws(SocketError) {
            try probe.connect(path: path)
            throw SocketError.addressInUse(path)
        } catch {
            guard case .system(_, _, let code) = error, code == ECONNREFUSED || code == ENOENT else { throw error }
            _ = try SocketSystemCalls.check("unlink", path: path) { unlink(path) }
        }
    }
}

import Glibc

/// An open Unix stream socket; closes it on deinit. Sends use MSG_NOSIGNAL (a vanished peer is an
/// error, not SIGPIPE). Not thread-safe: one owner uses it at a time.
package final class SocketDescriptor {
    package let descriptor: Int32

    /// Takes ownership of `descriptor`.
    package init(owning descriptor: Int32) {
        precondition(descriptor >= 0, "a socket descriptor is not negative")
        self.descriptor = descriptor
    }

    deinit { _ = Glibc.close(descriptor) }

    /// A new close-on-exec Unix stream socket, non-blocking if asked.
    package static func unixStream(nonBlocking: Bool) throws(SocketError) -> SocketDescriptor {
        let flags = Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue) | (nonBlocking ? Int32(SOCK_NONBLOCK.rawValue) : 0)
        return SocketDescriptor(owning: try SocketSystemCalls.check("socket") { socket(AF_UNIX, flags, 0) })
    }

    /// Connects to the server at `path` (blocking unless the socket is non-blocking).
    package func connect(path: String) throws(SocketError) {
        let result = try SocketSystemCalls.withAddress(path) { address, length in
            SocketSystemCalls.retrying { Glibc.connect(descriptor, address, length) }
        }
        if case .failure(let failure) = result { throw SocketError.system(call: "connect", path: path, errno: failure.code) }
    }

    package func setNonBlocking(_ nonBlocking: Bool) throws(SocketError) {
        let flags = try SocketSystemCalls.check("fcntl(F_GETFL)") { fcntl(descriptor, F_GETFL) }
        let wanted = nonBlocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        if wanted != flags { _ = try SocketSystemCalls.check("fcntl(F_SETFL)") { fcntl(descriptor, F_SETFL, wanted) } }
    }

    /// Accepts one connection, made non-blocking and close-on-exec; nil when none is waiting.
    /// (Glibc's Swift overlay lacks accept4, so the flags are set afterwards.)
    package func accept() throws(SocketError) -> SocketDescriptor? {
        switch SocketSystemCalls.retrying({ Glibc.accept(descriptor, nil, nil) }) {
        case .success(let connection):
            let accepted = SocketDescriptor(owning: connection)
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            try accepted.setNonBlocking(true)
            return accepted
        // A connection that was reset before it was accepted is simply gone.
        case .failure(let failure) where failure.code == EAGAIN || failure.code == EWOULDBLOCK || failure.code == ECONNABORTED: return nil
        case .failure(let failure): throw SocketError.system(call: "accept4", path: nil, errno: failure.code)
        }
    }

    /// Sends what the socket takes of `first` then `second` in one call; returns the bytes sent, or
    /// nil when the socket buffer is full (EAGAIN). Throws `peerClosed` when the peer is gone.
    package func send(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) throws(SocketError) -> Int? {
        var parts = (
            iovec(iov_base: UnsafeMutableRawPointer(mutating: first.baseAddress), iov_len: first.count),
            iovec(iov_base: UnsafeMutableRawPointer(mutating: second.baseAddress), iov_len: second.count))
        let result = withUnsafeMutablePointer(to: &parts) { pointer in
            pointer.withMemoryRebound(to: iovec.self, capacity: 2) { vectors in
                var message = msghdr()
                message.msg_iov = vectors
                message.msg_iovlen = second.isEmpty ? 1 : 2
                return SocketSystemCalls.retrying { sendmsg(descriptor, &message, Int32(MSG_NOSIGNAL)) }
            }
        }
        switch result {
        case .success(let count): return count
        case .failure(let failure) where failure.code == EAGAIN || failure.code == EWOULDBLOCK: return nil
        case .failure(let failure) where failure.code == EPIPE || failure.code == ECONNRESET: throw SocketError.peerClosed
        case .failure(let failure): throw SocketError.system(call: "sendmsg", path: nil, errno: failure.code)
        }
    }

    /// Receives into `buffer`: the byte count, 0 at end of stream, nil when nothing is waiting
    /// (EAGAIN). ECONNRESET counts as end of stream.
    package func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> Int? {
        switch SocketSystemCalls.retrying({ recv(descriptor, buffer.baseAddress, buffer.count, 0) }) {
        case .success(let count): return count
        case .failure(let failure) where failure.code == EAGAIN || failure.code == EWOULDBLOCK: return nil
        case .failure(let failure) where failure.code == ECONNRESET: return 0
        case .failure(let failure): throw SocketError.system(call: "recv", path: nil, errno: failure.code)
        }
    }

    /// Waits up to `milliseconds` (negative: forever) for `events`; returns the revents, 0 on timeout.
    package func wait(for events: Int16, milliseconds: Int32) throws(SocketError) -> Int16 {
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        let ready = try SocketSystemCalls.check("poll") { poll(&entry, 1, milliseconds) }
        return ready == 0 ? 0 : entry.revents
    }

    /// The connected peer's pid, uid and gid (SO_PEERCRED).
    package func peerCredentials() throws(SocketError) -> PeerCredentials {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }: three 32-bit fields (Glibc's Swift
        // overlay does not export the type, it needs _GNU_SOURCE).
        var fields: (Int32, UInt32, UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout.size(ofValue: fields))
        _ = try SocketSystemCalls.check("getsockopt(SO_PEERCRED)") { getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, &fields, &length) }
        return PeerCredentials(processID: fields.0, userID: fields.1, groupID: fields.2)
    }

    /// An integer socket option (SO_TYPE, SO_ACCEPTCONN, SO_SNDBUF...).
    package func option(_ name: Int32) throws(SocketError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try SocketSystemCalls.check("getsockopt") { getsockopt(descriptor, SOL_SOCKET, name, &value, &length) }
        return value
    }

    /// Stops sending and/or receiving (SHUT_WR, SHUT_RD, SHUT_RDWR); errors are irrelevant on close paths.
    package func shutdown(_ how: Int32) { _ = Glibc.shutdown(descriptor, how) }
}

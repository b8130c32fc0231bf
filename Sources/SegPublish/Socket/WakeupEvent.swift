import Glibc

/// Wakes the server thread's poll: `signal` from any thread, `drain` on the server thread. A
/// non-blocking socket pair (Glibc's Swift overlay has no eventfd): when the pair's buffer is
/// full a wakeup is already pending, so a failed write loses nothing.
final class WakeupEvent: Sendable {
    /// The end the server thread polls for POLLIN.
    let descriptor: Int32
    private let writeDescriptor: Int32

    init() throws(SocketError) {
        var pair: (Int32, Int32) = (-1, -1)
        let type = Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
        _ = try withUnsafeMutableBytes(of: &pair) { (raw) throws(SocketError) in
            try SocketSystemCalls.check("socketpair") { socketpair(AF_UNIX, type, 0, raw.baseAddress!.assumingMemoryBound(to: Int32.self)) }
        }
        descriptor = pair.0
        writeDescriptor = pair.1
    }

    deinit {
        close(descriptor)
        close(writeDescriptor)
    }

    func signal() {
        var one: UInt8 = 1
        _ = SocketSystemCalls.retrying { send(writeDescriptor, &one, 1, Int32(MSG_NOSIGNAL)) }
    }

    func drain() {
        var sink = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while case .success(let count) = SocketSystemCalls.retrying({ recv(descriptor, &sink, MemoryLayout.size(ofValue: sink), 0) }), count > 0 {}
    }
}

import Glibc

/// The socket system calls, wrapped once: EINTR is retried, errno becomes `SocketError`.
enum SocketSystemCalls {
    /// The errno a call failed with.
    struct Failure: Error, Equatable {
        let code: Int32
    }

    /// Runs `call` until it does not fail with EINTR; returns its result, or the errno it failed with.
    static func retrying<T: BinaryInteger>(_ call: () -> T) -> Result<T, Failure> {
        while true {
            let result = call()
            if result >= 0 { return .success(result) }
            let code = errno
            if code != EINTR { return .failure(Failure(code: code)) }
        }
    }

    /// `retrying`, throwing `SocketError.system` naming `name` and `path`.
    static func check<T: BinaryInteger>(_ name: String, path: String? = nil, _ call: () -> T) throws(SocketError) -> T {
        switch retrying(call) {
        case .success(let value): return value
        case .failure(let failure): throw SocketError.system(call: name, path: path, errno: failure.code)
        }
    }

    /// Runs `body` with a `sockaddr_un` for `path`.
    static func withAddress<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) throws(SocketError) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let utf8 = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !utf8.isEmpty, utf8.count < capacity else { throw SocketError.pathTooLong(path) }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: utf8) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + utf8.count + 1)
        return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) } }
    }
}


#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The ring's system calls, each retried on EINTR and failing with `ShmRingError.system`.
enum RingSystemCalls {
    /// Runs `call` until it does not fail with EINTR; throws its errno when it returns -1.
    static func retrying<Result: BinaryInteger>(
        _ path: String, _ name: String, _ call: () -> Result
    ) throws(ShmRingError) -> Result {
        while true {
            let result = call()
            if result != -1 { return result }
            if errno != EINTR { throw .system(path: path, call: name, errno: errno) }
        }
    }

    static func openFile(_ path: String, flags: Int32, mode: mode_t = 0) throws(ShmRingError) -> Int32 {
        try retrying(path, "open") { open(path, flags | O_CLOEXEC, mode) }
    }

    static func closeFile(_ descriptor: Int32) {
        // Linux releases the descriptor even when close fails with EINTR; never retry it.
        _ = close(descriptor)
    }

    /// The file's size, device and inode.
    static func status(of descriptor: Int32, path: String) throws(ShmRingError) -> stat {
        var status = stat()
        _ = try retrying(path, "fstat") { fstat(descriptor, &status) }
        return status
    }

    /// The device and inode `path` names now, or nil when nothing is there.
    static func identity(of path: String) throws(ShmRingError) -> FileIdentity? {
        var status = stat()
        while stat(path, &status) == -1 {
            if errno == ENOENT { return nil }
            if errno != EINTR { throw .system(path: path, call: "stat", errno: errno) }
        }
        return FileIdentity(status)
    }

    /// Sizes the file and reserves its memory (on tmpfs a later shortage would be a SIGBUS on
    /// first touch; reserving turns it into ENOSPC here).
    static func allocate(_ descriptor: Int32, size: Int, path: String) throws(ShmRingError) {
        _ = try retrying(path, "ftruncate") { ftruncate(descriptor, off_t(size)) }
        var code: Int32
        repeat { code = posix_fallocate(descriptor, 0, off_t(size)) } while code == EINTR
        // Some file systems cannot reserve; the ftruncate'd size still works there.
        if code != 0 && code != EOPNOTSUPP && code != EINVAL {
            throw .system(path: path, call: "posix_fallocate", errno: code)
        }
    }

    static func map(_ descriptor: Int32, size: Int, writable: Bool, path: String) throws(ShmRingError) -> UnsafeMutableRawPointer {
        let protection = writable ? PROT_READ | PROT_WRITE : PROT_READ
        // The writer maps every page now, so no publish pays for first-touch page faults.
        let flags = writable ? MAP_SHARED | MAP_POPULATE : MAP_SHARED
        guard let address = mmap(nil, size, protection, flags, descriptor, 0), address != MAP_FAILED else {
            throw .system(path: path, call: "mmap", errno: errno)
        }
        return address
    }

    static func renameFile(_ from: String, to: String) throws(ShmRingError) {
        _ = try retrying(to, "rename") { rename(from, to) }
    }

    /// Creates a uniquely named empty file in `path`'s folder (mode 0600 until `fchmod`).
    static func makeTemporaryFile(beside path: String) throws(ShmRingError) -> (descriptor: Int32, path: String) {
        var template = Array("\(path).XXXXXX".utf8CString)
        let descriptor = try retrying(path, "mkstemp") { mkstemp(&template) }
        // mkostemp(O_CLOEXEC) is not visible to Swift (it needs _GNU_SOURCE).
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        let temporaryPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (descriptor, temporaryPath)
    }

    static func setMode(_ descriptor: Int32, _ mode: mode_t, path: String) throws(ShmRingError) {
        _ = try retrying(path, "fchmod") { fchmod(descriptor, mode) }
    }

    /// Whether process `pid` exists: kill(pid, 0) fails with ESRCH only when it does not
    /// (EPERM means it exists under another user).
    static func processExists(_ pid: Int32) -> Bool {
        pid > 0 && !(kill(pid, 0) == -1 && errno == ESRCH)
    }

    static func currentProcessID() -> Int32 { getpid() }
}

/// A file's device and inode: whether a path still names the file a ring mapped.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64

    init(_ status: stat) {
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
    }
}

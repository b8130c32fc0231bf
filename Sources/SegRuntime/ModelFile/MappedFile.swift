#if !hasFeature(Embedded)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file system call, naming the file, the call and the C error.
public struct MappedFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file (or, for `fsync` of the folder after a rename, the folder).
    public let path: String
    /// The system call that failed (`open`, `fstat`, `mmap`, `mkstemp`, `write`, `fsync`, `rename`).
    public let operation: String
    /// The `errno` value.
    public let code: Int32

    public init(path: String, operation: String, code: Int32) {
        self.path = path
        self.operation = operation
        self.code = code
    }

    /// `/var/lib/segd/model.segd: open: No such file or directory (errno 2)`.
    public var description: String {
        "\(path): \(operation): \(String(cString: strerror(code))) (errno \(code))"
    }
}

/// A whole file mapped read-only (`MAP_PRIVATE`): its bytes without copying, page-aligned (so a
/// compiled model's 64-byte aligned sections are aligned in memory). Unmapped when the object
/// goes; `bytes` must not be used after that. Immutable, so any thread may read it.
public final class MappedFile: @unchecked Sendable {
    /// The path the file was opened with.
    public let path: String
    /// The file's contents (empty for an empty file, which is not mapped).
    public let bytes: UnsafeRawBufferPointer

    /// Opens, measures and maps `path`. Directories are refused (`EISDIR`).
    public init(path: String) throws(MappedFileError) {
        self.path = path
        let descriptor = try systemCall(path, "open") { open(path, O_RDONLY | O_CLOEXEC) }
        defer { _ = close(descriptor) }
        var status = stat()
        _ = try systemCall(path, "fstat") { fstat(descriptor, &status) }
        if status.st_mode & S_IFMT == S_IFDIR {
            throw MappedFileError(path: path, operation: "open", code: EISDIR)
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw MappedFileError(path: path, operation: "mmap", code: errno)
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { _ = munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}

/// Replaces (or creates) `path` with `bytes` so that readers see either the old file or the
/// whole new one, even across a crash: writes a temporary file next to it (mode 0644), fsyncs
/// it, renames it over `path`, then fsyncs the folder. The temporary file is removed on failure.
public func writeFileAtomically(path: String, bytes: [UInt8]) throws(MappedFileError) {
    var template = Array("\(path).XXXXXX".utf8CString)
    let descriptor = try systemCall(path, "mkstemp") { mkstemp(&template) }
    let temporaryPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    do throws(MappedFileError) {
        defer { _ = close(descriptor) }
        _ = try systemCall(temporaryPath, "fchmod") { fchmod(descriptor, 0o644) }
        let writeFailure: MappedFileError? = bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                do throws(MappedFileError) {
                    written += try systemCall(temporaryPath, "write") {
                        write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                    }
                } catch {
                    return error
                }
            }
            return nil
        }
        if let writeFailure { throw writeFailure }
        _ = try systemCall(temporaryPath, "fsync") { fsync(descriptor) }
        _ = try systemCall(path, "rename") { rename(temporaryPath, path) }
    } catch {
        _ = unlink(temporaryPath)
        throw error
    }
    let folder = parentFolder(of: path)
    let folderDescriptor = try systemCall(folder, "open") { open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
    defer { _ = close(folderDescriptor) }
    _ = try systemCall(folder, "fsync") { fsync(folderDescriptor) }
}

/// The folder holding `path` (`.` for a bare file name, `/` for a file in the root).
private func parentFolder(of path: String) -> String {
    guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
    let folder = String(path.utf8[..<slash]) ?? "."
    return folder.isEmpty ? "/" : folder
}

/// Runs `call` until it does not fail with `EINTR`; throws its `errno` (naming `path` and
/// `operation`) when it returns -1.
private func systemCall<Result: BinaryInteger>(
    _ path: String, _ operation: String, _ call: () -> Result
) throws(MappedFileError) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        if errno != EINTR { throw MappedFileError(path: path, operation: operation, code: errno) }
    }
}
#endif

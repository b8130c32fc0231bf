import SegKernels

/// A compiled model ready to run: its decoded program and its weight section, used in place.
/// The bytes come from a memory-mapped file (`load(path:)`) or from memory the caller keeps alive
/// (`init(bytes:)`). Immutable: any number of executors may be made from one model.
public final class CompiledModel: @unchecked Sendable {
    public let program: NetworkProgram
    /// The weight section (64-byte aligned).
    public let weights: UnsafeRawBufferPointer
    /// The whole file's size in bytes.
    public let fileByteCount: Int
    private let ownedCopy: AlignedBuffer?
    #if !hasFeature(Embedded)
    private let mapping: MappedFile?
    #endif

    /// Validates and decodes a compiled model in `bytes` (64-byte aligned), which must outlive
    /// the model.
    /// - Throws: `ModelFileError` for a file that is not a compiled model, of another version,
    ///   truncated, corrupt or inconsistent.
    public init(bytes: UnsafeRawBufferPointer) throws(ModelFileError) {
        (program, weights) = try CompiledModel.decode(bytes)
        fileByteCount = bytes.count
        ownedCopy = nil
        #if !hasFeature(Embedded)
        mapping = nil
        #endif
    }

    /// Validates and decodes a compiled model from a private, aligned copy of `bytes`.
    public init(copying bytes: [UInt8]) throws(ModelFileError) {
        let copy = AlignedBuffer(byteCount: bytes.count)
        bytes.withUnsafeBytes { copy.pointer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        (program, weights) = try CompiledModel.decode(UnsafeRawBufferPointer(start: copy.pointer, count: bytes.count))
        fileByteCount = bytes.count
        ownedCopy = copy
        #if !hasFeature(Embedded)
        mapping = nil
        #endif
    }

    #if !hasFeature(Embedded)
    private init(mapping: MappedFile) throws(ModelFileError) {
        (program, weights) = try CompiledModel.decode(mapping.bytes)
        fileByteCount = mapping.bytes.count
        ownedCopy = nil
        self.mapping = mapping
    }

    /// Maps and decodes the compiled model at `path`.
    public static func load(path: String) throws(CompiledModelError) -> CompiledModel {
        let mapping: MappedFile
        do {
            mapping = try MappedFile(path: path)
        } catch {
            throw CompiledModelError(path: path, message: error.description)
        }
        do {
            return try CompiledModel(mapping: mapping)
        } catch {
            throw CompiledModelError(path: path, message: error.description)
        }
    }
    #endif

    /// The program and the weight section of a compiled model file.
    private static func decode(_ bytes: UnsafeRawBufferPointer) throws(ModelFileError) -> (NetworkProgram, UnsafeRawBufferPointer) {
        let reader = try ModelFileReader(bytes, engineVersion: SegEngine.version)
        let weights = try reader.requireSection(CompiledModelSections.weights)
        return (try ProgramCodec.decode(try reader.requireSection(CompiledModelSections.program), weightBytes: weights.count), weights)
    }

    /// An executor with workspaces for `threads` threads.
    public func makeExecutor(threads: Int = 1) throws(RuntimeError) -> NetworkExecutor {
        try NetworkExecutor(program: program, weights: weights, threadCount: threads)
    }
}

/// A compiled model file that could not be loaded: the path and why.
public struct CompiledModelError: Error, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

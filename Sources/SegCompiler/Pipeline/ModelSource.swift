import Foundation
import SegConfig
import SegImageIO
import SegRuntime

/// Where `segctl` and the daemon get a runnable model: a compiled file as it is, or an ONNX file
/// compiled with the config's quantization through the cache.
public enum ModelSource {
    /// True when `bytes` start like a compiled model rather than ONNX.
    public static func isCompiledModel(_ bytes: [UInt8]) -> Bool { bytes.starts(with: ModelFile.magic) }

    /// Loads `path`: a compiled model directly; an ONNX model from the cache, compiling (and
    /// storing) it on a miss. `calibrationDirectory` overrides the config's; `log` hears what
    /// happens (cache hit or miss, calibration files).
    public static func load(
        path: String, configuration: SegConfiguration, calibrationDirectory: String? = nil,
        log: (String) -> Void = { _ in }
    ) throws(CompilerError) -> CompiledModel {
        let bytes: [UInt8]
        do {
            bytes = try ImageCodecs.readFile(path)
        } catch {
            throw CompilerError(error.description)
        }
        if isCompiledModel(bytes) {
            do {
                return try CompiledModel.load(path: path)
            } catch {
                throw CompilerError(error.description)
            }
        }
        let graph = try ModelCompiler.importGraph(bytes)
        let quantization = configuration.quantization
        let directory = calibrationDirectory ?? quantization.calibrationDirectory
        guard !directory.isEmpty else {
            throw CompilerError("\(path) is an ONNX model: compiling it needs calibration inputs (--calibration DIR or quantization.calibration_dir)")
        }
        let files = try CalibrationSet.files(directory: directory, count: quantization.calibrationCount)
        var hash: UInt64 = 0
        for file in files {
            let content: [UInt8]
            do { content = try ImageCodecs.readFile(file) } catch { throw CompilerError(error.description) }
            hash = (content.withUnsafeBytes { xxHash64($0) } ^ hash) &* 0x9E37_79B9_7F4A_7C15
        }
        let cache = ModelCache(directory: ModelCache.defaultDirectory(configured: configuration.engine.cacheDirectory))
        let key = ModelCache.key(onnx: bytes, quantization: quantization, calibrationHash: hash)
        let cached = cache.path(forKey: key)
        if FileManager.default.fileExists(atPath: cached) {
            do {
                let model = try CompiledModel.load(path: cached)
                log("compiled model from cache: \(cached)")
                return model
            } catch {
                log("cached model \(cached) unusable (\(error)); recompiling")
            }
        }
        log("compiling \(path) (\(quantization.method.rawValue) calibration on \(files.count) inputs from \(directory))")
        let set = try CalibrationSet.load(
            directory: directory, count: quantization.calibrationCount, shape: graph.values[graph.input].shape,
            preprocessing: ModelCompiler.preprocessing(for: graph))
        let artifact = try ModelCompiler.compile(graph: graph, quantization: quantization, calibration: set)
        do {
            try cache.store(artifact.bytes, key: key)
            log("stored \(cached)")
            return try CompiledModel.load(path: cached)
        } catch {
            log("model cache not writable (\(error)); using the model from memory")
            return try inMemory(artifact.bytes)
        }
    }

    /// A compiled model over a private, 64-byte aligned copy of `bytes`.
    public static func inMemory(_ bytes: [UInt8]) throws(CompilerError) -> CompiledModel {
        do {
            return try CompiledModel(copying: bytes)
        } catch {
            throw CompilerError(error.description)
        }
    }
}

import Foundation
import SegConfig
import SegRuntime

/// Compiled models on disk, keyed by what determines their bytes: the ONNX file, the quantization
/// config (canonical text), the calibration inputs and the engine version. A stale or foreign file
/// cannot be picked up: any change gives another name, and a file that fails to load is recompiled.
public struct ModelCache: Sendable {
    public var directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The cache folder: `engine.cache_dir` when set, else `$SEGD_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/segd`, else `~/.cache/segd`.
    public static func defaultDirectory(configured: String) -> String {
        if !configured.isEmpty { return configured }
        let env = ProcessInfo.processInfo.environment
        if let dir = env["SEGD_CACHE_DIR"], !dir.isEmpty { return dir }
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/segd" }
        return (env["HOME"] ?? "/tmp") + "/.cache/segd"
    }

    /// The file name for a model compiled from `onnx` with `quantization` over calibration files
    /// whose bytes hash to `calibrationHash`.
    public static func key(onnx: [UInt8], quantization: QuantizationConfig, calibrationHash: UInt64) -> String {
        let modelHash = onnx.withUnsafeBytes { xxHash64($0) }
        let configText = Array((quantization.cacheKey + "|calibration=" + String(calibrationHash, radix: 16)).utf8)
        let configHash = configText.withUnsafeBytes { xxHash64($0) }
        return hex(modelHash) + "-" + hex(configHash) + "-e\(SegEngine.version).segm"
    }

    public func path(forKey key: String) -> String { (directory as NSString).appendingPathComponent(key) }

    /// Stores `bytes` under `key` (atomically; creates the folder).
    public func store(_ bytes: [UInt8], key: String) throws(CompilerError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try writeFileAtomically(path: path(forKey: key), bytes: bytes)
        } catch {
            throw CompilerError("model cache \(directory): \(error)")
        }
    }

    private static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}

import CAllocationCounter
import Foundation
import SegCompiler
import SegConfig
import SegRuntime
import Testing

/// Fixture models and calibration inputs shared by the pipeline tests.
enum PipelineFixtures {
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models")

    static func onnx(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: models.appendingPathComponent(name + ".onnx")))
    }

    /// `count` NHWC inputs for `graph`: smooth random images (low-frequency patterns plus noise)
    /// in the normalized range of real photos.
    static func inputs(for graph: FloatGraph, count: Int, seed: UInt64) -> [[Float]] {
        let shape = graph.values[graph.input].shape
        var state = seed
        func next() -> Float {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Float((z ^ (z >> 31)) >> 40) / Float(1 << 24)
        }
        return (0..<count).map { _ in
            let fx = 1 + 5 * next(), fy = 1 + 5 * next(), phase = 6 * next()
            var values = [Float](repeating: 0, count: shape.elementCount)
            for y in 0..<shape.height {
                for x in 0..<shape.width {
                    for c in 0..<shape.channels {
                        let wave = sin(fx * Float(x) / Float(shape.width) * 6.28 + phase + Float(c))
                            * cos(fy * Float(y) / Float(shape.height) * 6.28)
                        values[(y * shape.width + x) * shape.channels + c] = 1.6 * wave + 0.4 * (next() - 0.5)
                    }
                }
            }
            return values
        }
    }

    /// A temporary folder holding `inputs` as float32 NCHW `.npy` files.
    static func npyFolder(_ inputs: [[Float]], shape: TensorShape) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("segd-calib-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (i, input) in inputs.enumerated() {
            let nchw = nhwcToNCHW(input, batch: 1, channels: shape.channels, height: shape.height, width: shape.width)
            let array = NumpyArray(shape: [1, shape.channels, shape.height, shape.width], values: nchw)
            try Data(array.serialized()).write(to: dir.appendingPathComponent(String(format: "in%03d.npy", i)))
        }
        return dir.path
    }
}

/// Debug builds run the float graph ~100x slower: whole networks are compiled and compared only in
/// optimized test runs (scripts/test.sh runs both); debug runs use the small `tiny_ops` fixture.
#if DEBUG
let optimizedBuild = false
#else
let optimizedBuild = true
#endif

@Suite struct CompilerPipelineTests {
    private func compile(_ name: String, _ configure: (inout QuantizationConfig) -> Void = { _ in }) throws -> (FloatGraph, CompiledArtifact, [[Float]]) {
        let graph = try ModelCompiler.importGraph(try PipelineFixtures.onnx(name))
        var quantization = QuantizationConfig()
        quantization.method = .minMax
        configure(&quantization)
        let calibration = PipelineFixtures.inputs(for: graph, count: 6, seed: 1)
        let artifact = try ModelCompiler.compile(
            graph: graph, quantization: quantization, calibration: CalibrationSet(tensors: calibration, files: []))
        return (graph, artifact, PipelineFixtures.inputs(for: graph, count: 3, seed: 99))
    }

    @Test(arguments: optimizedBuild
        ? ["deeplab_lite_161", "refinenet_lite_161", "fcn8s_lite_161", "fcn8s_lite_bilinear_161", "deeplab_lite_msc_161", "tiny_ops"]
        : ["tiny_ops"])
    func compiledModelsAgreeWithTheFloatGraph(_ name: String) throws {
        let (_, artifact, inputs) = try compile(name)
        let model = try CompiledModel(copying: artifact.bytes)
        #expect(model.program == artifact.lowered.program)
        #expect(model.program.arenaByteCount < model.program.unsharedTensorBytes)
        let report = try QuantizationReport.measure(artifact, inputs: inputs)
        // Random-weight fixtures: int8 must still track float closely, layer by layer.
        #expect(report.maskAgreement > 0.8, "\(name): mask agreement \(report.maskAgreement)")
        #expect(report.logitsSQNR > 12, "\(name): logits SQNR \(report.logitsSQNR) dB")
        for layer in report.layers { #expect(layer.sqnr > 10, "\(name) \(layer.name): \(layer.sqnr) dB") }
    }

    @Test(.enabled(if: optimizedBuild)) func layersKeptInFloatRunInFloat() throws {
        let (_, plain, inputs) = try compile("deeplab_lite_161")
        let (_, mixed, _) = try compile("deeplab_lite_161") { $0.floatLayers = ["/fc8/Conv", "/fc7/fc7.0/Conv"] }
        let layers = mixed.lowered.program.layers
        #expect(layers.contains { $0.name == "/fc8/Conv" && { if case .float(.conv) = $0.spec { true } else { false } }($0) })
        #expect(layers.contains { $0.opType == "DequantizeLinear" })
        #expect(layers.contains { $0.opType == "QuantizeLinear" })
        let plainReport = try QuantizationReport.measure(plain, inputs: inputs)
        let mixedReport = try QuantizationReport.measure(mixed, inputs: inputs)
        #expect(mixedReport.layers.first { $0.name == "/fc8/Conv" }?.isFloat == true)
        #expect(mixedReport.logitsSQNR > plainReport.logitsSQNR)
    }

    @Test func unknownFloatLayerIsNamed() throws {
        #expect {
            _ = try compile("tiny_ops") { $0.floatLayers = ["fc9"] }
        } throws: { error in
            "\(error)".contains("quantization.float_layers: no node named \"fc9\"")
        }
    }

    @Test(.enabled(if: optimizedBuild)) func inferenceOnACompiledFixtureAllocatesNothing() throws {
        let (_, artifact, inputs) = try compile("refinenet_lite_161")
        let model = try CompiledModel(copying: artifact.bytes)
        let executor = try model.makeExecutor(threads: 2)
        let pool = WorkerPool(executor: executor, threadCount: 2)
        inputs[0].withUnsafeBufferPointer { executor.writeInput($0) }
        pool.run()
        let before = allocation_counter_thread_allocations()
        inputs[1].withUnsafeBufferPointer { executor.writeInput($0) }
        pool.run()
        #expect(allocation_counter_thread_allocations() == before)
    }

    @Test(.enabled(if: optimizedBuild)) func onnxModelsCompileThroughTheCache() throws {
        let graph = try ModelCompiler.importGraph(try PipelineFixtures.onnx("fcn8s_lite_161"))
        let shape = graph.values[graph.input].shape
        let calibration = try PipelineFixtures.npyFolder(PipelineFixtures.inputs(for: graph, count: 3, seed: 5), shape: shape)
        let cacheDir = FileManager.default.temporaryDirectory.appendingPathComponent("segd-cache-\(UUID().uuidString)").path
        var configuration = SegConfiguration.defaults
        configuration.engine.cacheDirectory = cacheDir
        configuration.quantization.method = .minMax
        let path = PipelineFixtures.models.appendingPathComponent("fcn8s_lite_161.onnx").path
        var log: [String] = []
        let first = try ModelSource.load(path: path, configuration: configuration, calibrationDirectory: calibration) { log.append($0) }
        #expect(log.contains { $0.hasPrefix("compiling") })
        log = []
        let second = try ModelSource.load(path: path, configuration: configuration, calibrationDirectory: calibration) { log.append($0) }
        #expect(log.contains { $0.hasPrefix("compiled model from cache") })
        #expect(first.program == second.program)
        // Another method is another cache entry.
        configuration.quantization.method = .percentile
        log = []
        _ = try ModelSource.load(path: path, configuration: configuration, calibrationDirectory: calibration) { log.append($0) }
        #expect(log.contains { $0.hasPrefix("compiling") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: cacheDir).filter { $0.hasSuffix(".segm") }.count == 2)
        // A corrupt cache entry is recompiled, not trusted.
        configuration.quantization.method = .minMax
        for key in try FileManager.default.contentsOfDirectory(atPath: cacheDir) where key.hasSuffix(".segm") {
            let url = URL(fileURLWithPath: cacheDir + "/" + key)
            var bytes = Array(try Data(contentsOf: url))
            bytes[bytes.count / 2] ^= 0x40
            try Data(bytes).write(to: url)
        }
        log = []
        let reloaded = try ModelSource.load(path: path, configuration: configuration, calibrationDirectory: calibration) { log.append($0) }
        #expect(reloaded.program == first.program)
        #expect(log.contains { $0.contains("unusable") && $0.contains("checksum mismatch") })
        #expect(log.contains { $0.hasPrefix("compiling") })
    }

    @Test func onnxWithoutCalibrationSaysWhatIsMissing() throws {
        let path = PipelineFixtures.models.appendingPathComponent("tiny_ops.onnx").path
        #expect {
            _ = try ModelSource.load(path: path, configuration: .defaults)
        } throws: { error in
            "\(error)".contains("needs calibration inputs (--calibration DIR or quantization.calibration_dir)")
        }
    }

    @Test func numpyArraysRoundTrip() throws {
        let array = NumpyArray(shape: [1, 2, 3, 1], values: [1, -2.5, 3, .pi, 0, -0])
        let parsed = try NumpyArray.parse(array.serialized(), name: "t.npy")
        #expect(parsed == array)
        #expect(throws: (any Error).self) { try NumpyArray.parse([0x93, 0x4E, 0x55], name: "short.npy") }
    }
}

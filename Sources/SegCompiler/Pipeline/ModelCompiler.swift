import Foundation
import SegConfig
import SegRuntime

/// A compiled model as the compiler produced it: the file bytes, and what they were made from.
public struct CompiledArtifact: Sendable {
    /// The compiled model file (`ModelFile` layout, `PROG` + `WGTS` sections).
    public var bytes: [UInt8]
    public var lowered: LoweredNetwork
    /// The optimized float graph it was lowered from.
    public var graph: FloatGraph
    /// The real range chosen for each graph value.
    public var ranges: [ClosedRange<Float>?]
}

/// ONNX to compiled int8 model: import and optimize, run the float graph over the calibration
/// inputs while observing every value, choose ranges by the configured method, lower to an int8
/// program and write the file.
public enum ModelCompiler {
    /// The preprocessing a graph's metadata asks for (`segd.mean`, `segd.std`; ImageNet's by default).
    public static func preprocessing(for graph: FloatGraph) -> ImagePreprocessing {
        let shape = graph.values[graph.input].shape
        func triple(_ key: String, _ fallback: [Float]) -> [Float] {
            let values = graph.metadata(key)?.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) } ?? []
            return values.count == 3 ? values : fallback
        }
        return ImagePreprocessing(
            width: shape.width, height: shape.height, mean: triple("segd.mean", [0.485, 0.456, 0.406]),
            std: triple("segd.std", [0.229, 0.224, 0.225]))
    }

    /// Imports and optimizes ONNX bytes.
    public static func importGraph(_ onnx: [UInt8]) throws(CompilerError) -> FloatGraph {
        do {
            return try ONNXImporter.importModel(bytes: onnx)
        } catch {
            throw CompilerError(error.description)
        }
    }

    /// Compiles `graph` with `quantization`, calibrating on `calibration`.
    public static func compile(
        graph: FloatGraph, quantization: QuantizationConfig, calibration: CalibrationSet
    ) throws(CompilerError) -> CompiledArtifact {
        guard !calibration.tensors.isEmpty else { throw CompilerError("no calibration inputs") }
        for name in quantization.floatLayers where !graph.nodes.contains(where: { $0.name == name }) {
            throw CompilerError(
                "quantization.float_layers: no node named \"\(name)\" (after fusion); nodes: "
                    + graph.nodes.prefix(12).map(\.name).joined(separator: ", ") + (graph.nodes.count > 12 ? ", ..." : ""))
        }
        let runner: FloatGraphRunner
        do {
            runner = try FloatGraphRunner(graph: graph)
        } catch {
            throw CompilerError(error.description)
        }
        let ranges = calibrate(graph: graph, runner: runner, inputs: calibration.tensors, quantization: quantization)
        let options = LoweringOptions(
            perChannelWeights: quantization.weights == .perChannel,
            symmetricActivations: quantization.activations == .symmetric,
            floatLayers: quantization.floatLayers, summary: quantization.cacheKey)
        let lowered: LoweredNetwork
        do {
            lowered = try NetworkLowering.lower(graph, ranges: ranges, options: options)
        } catch {
            throw CompilerError(error.description)
        }
        var writer = ModelFileWriter(engineVersion: SegEngine.version)
        writer.append(tag: CompiledModelSections.program, bytes: ProgramCodec.encode(lowered.program))
        writer.append(tag: CompiledModelSections.weights, bytes: lowered.weights)
        return CompiledArtifact(bytes: writer.serialize(), lowered: lowered, graph: graph, ranges: ranges)
    }

    /// Runs the float graph over `inputs`, observing every value, and picks each value's range by
    /// the configured method.
    public static func calibrate(
        graph: FloatGraph, runner: FloatGraphRunner, inputs: [[Float]], quantization: QuantizationConfig
    ) -> [ClosedRange<Float>?] {
        var observers = [ActivationObserver](repeating: ActivationObserver(bins: quantization.histogramBins), count: graph.values.count)
        for input in inputs {
            _ = runner.run(input: input) { value, data in
                data.withUnsafeBufferPointer { observers[value].observe($0) }
            }
        }
        let rule: CalibrationRule
        switch quantization.method {
        case .minMax: rule = .minmax
        case .percentile: rule = .percentile(quantization.percentile)
        case .entropy: rule = .entropy
        case .mse: rule = .mse
        }
        let symmetric = quantization.activations == .symmetric
        // The input is a normalized image whose whole range matters: never clip it.
        return observers.indices.map { value in
            observers[value].isEmpty
                ? nil : observers[value].range(rule: value == graph.input ? .minmax : rule, symmetric: symmetric)
        }
    }
}

import ArgumentParser
import Foundation
import SegCompiler
import SegImageIO
import SegRuntime

struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Quantize an ONNX model as the config says and report per-layer SQNR (dB) float vs int8.",
        discussion: """
            The report runs the float graph and the int8 model on the calibration inputs (or on --eval inputs, \
            which should not be among them) and prints, per layer, the output's scale and zero point and its \
            signal-to-quantization-noise ratio; then the logits' SQNR and the mask agreement with float.
            """)

    @Argument(help: "The ONNX model.") var model: String
    @Option(help: "segd.toml whose [quantization] section applies.") var config: String?
    @Option(help: "Folder of calibration inputs (overrides quantization.calibration_dir).") var calibration: String?
    @Option(help: "Folder of inputs to measure on (default: the calibration inputs).") var eval: String?
    @Flag(help: "Print the per-layer SQNR report.") var report = false
    @Option(name: .shortAndLong, help: "Also write the compiled model here.") var output: String?
    @Flag(help: "Print the summary as one JSON object.") var json = false

    func run() throws {
        let configuration = try loadConfiguration(config)
        let graph = try ModelCompiler.importGraph(try ImageCodecs.readFile(model))
        let quantization = configuration.quantization
        let directory = calibration ?? quantization.calibrationDirectory
        guard !directory.isEmpty else { throw ValidationError("no calibration inputs: pass --calibration DIR or set quantization.calibration_dir") }
        let shape = graph.values[graph.input].shape
        let preprocessing = ModelCompiler.preprocessing(for: graph)
        let set = try CalibrationSet.load(directory: directory, count: quantization.calibrationCount, shape: shape, preprocessing: preprocessing)
        let artifact = try ModelCompiler.compile(graph: graph, quantization: quantization, calibration: set)
        if let output { try writeFileAtomically(path: output, bytes: artifact.bytes) }
        let inputs = try eval.map { try CalibrationSet.load(directory: $0, count: 10_000, shape: shape, preprocessing: preprocessing).tensors }
            ?? set.tensors
        let result = try QuantizationReport.measure(artifact, inputs: inputs)
        if json {
            let object: [String: Any] = [
                "model": model, "method": quantization.method.rawValue, "weights": quantization.weights.rawValue,
                "activations": quantization.activations.rawValue, "inputs": result.inputCount,
                "logits_sqnr_db": result.logitsSQNR, "mask_agreement": result.maskAgreement,
                "layers": result.layers.map { ["name": $0.name, "op": $0.opType, "sqnr_db": $0.sqnr.isFinite ? $0.sqnr : 999] },
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        if report {
            print(columns(["layer", "op", "scale", "zp", "SQNR dB"], [-40, -16, 12, 5, 9]))
            for layer in result.layers {
                let quant = layer.isFloat ? "float" : String(format: "%.6g", layer.scale)
                let zp = layer.isFloat ? "-" : String(layer.zeroPoint)
                print(columns([String(layer.name.suffix(40)), layer.opType, quant, zp, String(format: "%.2f", layer.sqnr)], [-40, -16, 12, 5, 9]))
            }
        }
        print(String(format: "%@: %@ calibration, %@ weights, %@ activations; logits SQNR %.2f dB, mask agreement with float %.2f%% over %d inputs",
                     model as NSString, quantization.method.rawValue as NSString, quantization.weights.rawValue as NSString,
                     quantization.activations.rawValue as NSString, result.logitsSQNR, 100 * result.maskAgreement, result.inputCount))
    }
}

import ArgumentParser
import Foundation
import SegCompiler
import SegImageIO
import SegRuntime

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile an ONNX model into a calibrated int8 model file.",
        discussion: """
            Calibration inputs: JPEG/PNG photos run through the model's preprocessing, or float32 NCHW .npy \
            tensors used as they are (the first quantization.calibration_count files of the folder, by name).
            """)

    @Argument(help: "The ONNX model.") var model: String
    @Option(help: "segd.toml whose [quantization] section applies.") var config: String?
    @Option(help: "Folder of calibration inputs (overrides quantization.calibration_dir).") var calibration: String?
    @Option(name: .shortAndLong, help: "Where to write the compiled model.") var output: String

    func run() throws {
        let configuration = try loadConfiguration(config)
        let onnx = try ImageCodecs.readFile(model)
        let graph = try ModelCompiler.importGraph(onnx)
        let quantization = configuration.quantization
        let directory = calibration ?? quantization.calibrationDirectory
        guard !directory.isEmpty else { throw ValidationError("no calibration inputs: pass --calibration DIR or set quantization.calibration_dir") }
        let set = try CalibrationSet.load(
            directory: directory, count: quantization.calibrationCount, shape: graph.values[graph.input].shape,
            preprocessing: ModelCompiler.preprocessing(for: graph))
        let start = monotonicSeconds()
        let artifact = try ModelCompiler.compile(graph: graph, quantization: quantization, calibration: set)
        try writeFileAtomically(path: output, bytes: artifact.bytes)
        let program = artifact.lowered.program
        print("""
            \(output): \(artifact.bytes.count) bytes, \(program.layers.count) layers, \(program.macs) MACs, \
            arena \(program.arenaByteCount) bytes; \(quantization.method.rawValue) calibration on \(set.files.count) inputs \
            in \(String(format: "%.1f", monotonicSeconds() - start)) s
            """)
    }
}

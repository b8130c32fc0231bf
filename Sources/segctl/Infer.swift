import ArgumentParser
import Foundation
import SegCompiler
import SegImageIO
import SegRuntime

struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model on one photo or tensor; write the class mask and the logits.",
        discussion: """
            An ONNX model is compiled on the fly through the cache (see `segctl compile`). --float runs the ONNX \
            graph in float32 instead. The mask is an 8-bit PNG of class ids at the model's output size; the \
            logits are the float32 NCHW tensor that feeds the final ArgMax (or the output).
            """)

    @Option(help: "ONNX or compiled model.") var model: String
    @Option(help: "segd.toml ([quantization], [engine]).") var config: String?
    @Option(help: "Folder of calibration inputs for compiling an ONNX model.") var calibration: String?
    @Option(help: "A JPEG or PNG photo, run through the model's preprocessing.") var image: String?
    @Option(help: "A float32 NCHW .npy input tensor, used as it is.") var tensor: String?
    @Flag(help: "Run the float32 graph (ONNX models only).") var float = false
    @Option(help: "Write the class-id mask here (8-bit PNG).") var maskOut: String?
    @Option(help: "Write the logits here (float32 NCHW .npy).") var logitsOut: String?

    func validate() throws {
        guard (image == nil) != (tensor == nil) else { throw ValidationError("give exactly one of --image and --tensor") }
    }

    func run() throws {
        let configuration = try loadConfiguration(config)
        let bytes = try ImageCodecs.readFile(model)
        let result: InferenceResult
        if float {
            guard !ModelSource.isCompiledModel(bytes) else { throw ValidationError("--float needs the ONNX model, not a compiled one") }
            let graph = try ModelCompiler.importGraph(bytes)
            let input = try loadInput(shape: graph.values[graph.input].shape, preprocessing: ModelCompiler.preprocessing(for: graph))
            result = try InferenceResult.float(graph: graph, input: input)
        } else {
            let compiled = try ModelSource.load(path: model, configuration: configuration, calibrationDirectory: calibration, log: note)
            let program = compiled.program
            let d = program.tensors[program.input].dims
            let input = try loadInput(
                shape: d, preprocessing: ImagePreprocessing(width: d.width, height: d.height, mean: program.mean, std: program.std))
            result = try InferenceResult.int8(model: compiled, input: input, threads: configuration.engine.threads)
        }
        if let maskOut {
            try writeBytes(try ImageCodecs.encodePNG(result.mask, width: result.width, height: result.height, channels: 1), maskOut)
        }
        if let logitsOut {
            try writeBytes(NumpyArray(shape: [1, result.channels, result.height, result.width], values: result.logitsNCHW).serialized(), logitsOut)
        }
        print(result.summary)
    }

    private func loadInput(shape: TensorShape, preprocessing: ImagePreprocessing) throws -> [Float] {
        try CalibrationSet.loadInput(path: image ?? tensor!, shape: shape, preprocessing: preprocessing)
    }
}

func writeBytes(_ bytes: [UInt8], _ path: String) throws {
    try writeFileAtomically(path: path, bytes: bytes)
}

/// A mask and its logits from either path, with a one-line summary of the class shares.
struct InferenceResult {
    var mask: [UInt8]
    var logitsNCHW: [Float]
    var width: Int
    var height: Int
    var channels: Int
    var classNames: [String]

    static func float(graph: FloatGraph, input: [Float]) throws -> InferenceResult {
        let runner = try FloatGraphRunner(graph: graph)
        var logitsValue = graph.outputs[0]
        if let producer = graph.producer(of: logitsValue), case .argMax = graph.nodes[producer].op {
            logitsValue = graph.nodes[producer].inputs[0]
        }
        var logits: [Float] = []
        _ = runner.run(input: input) { value, data in if value == logitsValue { logits = data } }
        let shape = graph.values[logitsValue].shape
        var mask = [UInt8](repeating: 0, count: shape.pixelCount)
        logits.withUnsafeBufferPointer { l in
            mask.withUnsafeMutableBufferPointer { m in
                argMaxFloat(pixelCount: shape.pixelCount, channels: shape.channels, input: l.baseAddress!, output: m.baseAddress!)
            }
        }
        let classes = graph.metadata("segd.classes")?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
        return InferenceResult(
            mask: mask,
            logitsNCHW: nhwcToNCHW(logits, batch: shape.batch, channels: shape.channels, height: shape.height, width: shape.width),
            width: shape.width, height: shape.height, channels: shape.channels, classNames: classes)
    }

    static func int8(model: CompiledModel, input: [Float], threads: Int) throws -> InferenceResult {
        let executor = try model.makeExecutor(threads: threads)
        let pool = WorkerPool(executor: executor, threadCount: threads)
        input.withUnsafeBufferPointer { executor.writeInput($0) }
        pool.run()
        let program = model.program
        let d = program.tensors[program.logits].dims
        var logits = [Float](repeating: 0, count: d.elementCount)
        logits.withUnsafeMutableBufferPointer { executor.readTensor(program.logits, into: $0) }
        let maskDims = program.tensors[program.mask].dims
        let mask = Array(UnsafeBufferPointer(start: executor.mask, count: maskDims.elementCount))
        return InferenceResult(
            mask: mask, logitsNCHW: nhwcToNCHW(logits, batch: d.batch, channels: d.channels, height: d.height, width: d.width),
            width: maskDims.width, height: maskDims.height, channels: d.channels, classNames: program.classNames)
    }

    /// `WxH, classes: person 31.2%, background 60.1%, ...` (largest first, those above 0.5%).
    var summary: String {
        var counts = [Int](repeating: 0, count: 256)
        for id in mask { counts[Int(id)] += 1 }
        let shares = counts.enumerated().filter { $0.element > 0 }.sorted { $0.element > $1.element }
        let parts = shares.filter { Double($0.element) / Double(mask.count) >= 0.005 }.map { id, count in
            let name = id < classNames.count ? classNames[id] : "class \(id)"
            return "\(name) \(String(format: "%.1f", 100 * Double(count) / Double(mask.count)))%"
        }
        return "\(width)x\(height) mask, classes: " + parts.joined(separator: ", ")
    }
}

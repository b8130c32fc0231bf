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
    @Option(help: "A JPEG or PNG photo (or a folder of them), run through the model's preprocessing.") var image: String?
    @Option(help: "A float32 NCHW .npy input tensor (or a folder of them), used as it is.") var tensor: String?
    @Flag(help: "Run the float32 graph (ONNX models only).") var float = false
    @Option(help: "Write the class-id mask here (8-bit PNG); a folder when the input is one (NAME.png per input).")
    var maskOut: String?
    @Option(help: "Write the logits here (float32 NCHW .npy); single inputs only.") var logitsOut: String?
    @Option(help: """
        Write the photo with the mask blended over it here (RGB PNG at the photo's size, class colours of the \
        PASCAL VOC palette, background clear); a folder when the input is one. --image only.
        """)
    var overlayOut: String?

    func validate() throws {
        guard (image == nil) != (tensor == nil) else { throw ValidationError("give exactly one of --image and --tensor") }
        guard overlayOut == nil || image != nil else { throw ValidationError("--overlay-out needs --image") }
        if isDirectory(image ?? tensor!) {
            guard maskOut != nil || overlayOut != nil else { throw ValidationError("a folder of inputs needs --mask-out or --overlay-out FOLDER") }
            guard logitsOut == nil else { throw ValidationError("--logits-out takes a single input, not a folder") }
        }
    }

    func run() throws {
        let configuration = try loadConfiguration(config)
        let bytes = try ImageCodecs.readFile(model)
        let inputPath = image ?? tensor!
        let batch = isDirectory(inputPath)
        let inputs = batch ? try CalibrationSet.files(directory: inputPath, count: Int.max) : [inputPath]
        if batch {
            for folder in [maskOut, overlayOut].compactMap({ $0 }) {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
        }
        let infer: (String) throws -> InferenceResult
        if float {
            guard !ModelSource.isCompiledModel(bytes) else { throw ValidationError("--float needs the ONNX model, not a compiled one") }
            let graph = try ModelCompiler.importGraph(bytes)
            let preprocessing = ModelCompiler.preprocessing(for: graph)
            infer = { path in
                let input = try CalibrationSet.loadInput(path: path, shape: graph.values[graph.input].shape, preprocessing: preprocessing)
                return try InferenceResult.float(graph: graph, input: input)
            }
        } else {
            let compiled = try ModelSource.load(path: model, configuration: configuration, calibrationDirectory: calibration, log: note)
            let runner = try Int8Runner(model: compiled, threads: configuration.engine.threads)
            let d = compiled.program.tensors[compiled.program.input].dims
            let preprocessing = ImagePreprocessing(width: d.width, height: d.height, mean: compiled.program.mean, std: compiled.program.std)
            infer = { path in runner.run(try CalibrationSet.loadInput(path: path, shape: d, preprocessing: preprocessing)) }
        }
        for path in inputs {
            let result = try infer(path)
            let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            if let maskOut {
                let target = batch ? (maskOut as NSString).appendingPathComponent(stem + ".png") : maskOut
                try writeBytes(try ImageCodecs.encodePNG(result.mask, width: result.width, height: result.height, channels: 1), target)
            }
            if let overlayOut {
                let overlay = MaskOverlay.render(
                    image: try ImageCodecs.load(path: path), mask: result.mask, maskWidth: result.width, maskHeight: result.height)
                try writeBytes(
                    try ImageCodecs.encodePNG(overlay.pixels, width: overlay.width, height: overlay.height, channels: 3),
                    batch ? (overlayOut as NSString).appendingPathComponent(stem + ".png") : overlayOut)
            }
            if let logitsOut {
                try writeBytes(
                    NumpyArray(shape: [1, result.channels, result.height, result.width], values: result.logitsNCHW).serialized(), logitsOut)
            }
            print(batch ? "\(stem): \(result.summary)" : result.summary)
        }
    }
}

private func isDirectory(_ path: String) -> Bool {
    var directory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
}

func writeBytes(_ bytes: [UInt8], _ path: String) throws {
    try writeFileAtomically(path: path, bytes: bytes)
}

/// One compiled model with its executor and worker pool, reused for every input.
struct Int8Runner {
    let model: CompiledModel
    let executor: NetworkExecutor
    let pool: WorkerPool

    init(model: CompiledModel, threads: Int) throws {
        self.model = model
        executor = try model.makeExecutor(threads: threads)
        pool = WorkerPool(executor: executor, threadCount: threads)
    }

    func run(_ input: [Float]) -> InferenceResult {
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

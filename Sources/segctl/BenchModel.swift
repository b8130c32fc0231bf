import ArgumentParser
import Foundation
import SegCompiler
import SegKernels
import SegRuntime

struct BenchModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Time a model's int8 inference: total and per layer, GMAC/s, arena bytes.",
        discussion: """
            An ONNX model is compiled through the cache first. Each figure is the median of --runs timed runs \
            after --warmup untimed ones; per-layer times come from separate runs timed layer by layer.
            """)

    @Option(help: "ONNX or compiled model.") var model: String
    @Option(help: "segd.toml ([quantization], [engine]).") var config: String?
    @Option(help: "Folder of calibration inputs for compiling an ONNX model.") var calibration: String?
    @Option(help: "Threads (default: engine.threads).") var threads: Int?
    @Option(help: "Timed runs.") var runs = 20
    @Option(help: "Untimed runs first.") var warmup = 3
    @Flag(help: "Print one JSON object (total_ms, arena_bytes, layers, ...).") var json = false

    func run() throws {
        let configuration = try loadConfiguration(config)
        let compiled = try ModelSource.load(path: model, configuration: configuration, calibrationDirectory: calibration, log: note)
        let threadCount = threads ?? configuration.engine.threads
        guard (1...64).contains(threadCount) else { throw ValidationError("--threads must be in 1...64") }
        let executor = try compiled.makeExecutor(threads: threadCount)
        let pool = WorkerPool(executor: executor, threadCount: threadCount)
        let program = compiled.program
        // A mid-grey image: the timing does not depend on the values.
        executor.input.update(repeating: 0, count: program.tensors[program.input].dims.elementCount)
        for _ in 0..<warmup { pool.run() }
        var totals: [Double] = []
        for _ in 0..<runs {
            let start = monotonicSeconds()
            pool.run()
            totals.append(monotonicSeconds() - start)
        }
        var perLayer = [[Double]](repeating: [], count: executor.stepCount)
        for _ in 0..<max(3, runs / 2) {
            for step in 0..<executor.stepCount {
                let start = monotonicSeconds()
                pool.run(step: step)
                perLayer[step].append(monotonicSeconds() - start)
            }
        }
        let total = median(totals)
        let macs = program.macs
        if json {
            var layers: [[String: Any]] = []
            for (index, layer) in program.layers.enumerated() {
                let ms = median(perLayer[index]) * 1000
                layers.append([
                    "name": layer.name, "op": layer.opType, "ms": ms, "macs": layer.macs,
                    "gmacs": layer.macs > 0 ? Double(layer.macs) / (ms / 1000) / 1e9 : 0,
                ])
            }
            let object: [String: Any] = [
                "model": model, "model_name": program.modelName, "threads": threadCount, "runs": runs,
                "total_ms": total * 1000, "min_ms": (totals.min() ?? 0) * 1000, "macs": macs,
                "gmacs": Double(macs) / total / 1e9, "arena_bytes": program.arenaByteCount,
                "unshared_tensor_bytes": program.unsharedTensorBytes, "weight_bytes": compiled.weights.count,
                "workspace_bytes": executor.workspaceByteCount * threadCount,
                "kernel_path": ConvKernelPath.best.description, "layers": layers,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("\(program.modelName): \(program.layers.count) layers, \(macs) MACs, \(threadCount) thread(s), conv path \(ConvKernelPath.best)")
        print(String(format: "total %.2f ms (median of %d), %.1f GMAC/s", total * 1000, runs, Double(macs) / total / 1e9))
        print("arena \(program.arenaByteCount) bytes (\(program.unsharedTensorBytes) without sharing), weights \(compiled.weights.count) bytes, workspace \(executor.workspaceByteCount * threadCount) bytes")
        print(columns(["layer", "op", "ms", "MACs", "GMAC/s"], [-40, -16, 9, 12, 8]))
        for (index, layer) in program.layers.enumerated() {
            let ms = median(perLayer[index]) * 1000
            let rate = layer.macs > 0 ? String(format: "%.1f", Double(layer.macs) / (ms / 1000) / 1e9) : "-"
            print(columns([String(layer.name.suffix(40)), layer.opType, String(format: "%.3f", ms), String(layer.macs), rate], [-40, -16, 9, 12, 8]))
        }
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

/// `fields` padded to `widths` (negative: left-aligned), one space apart.
func columns(_ fields: [String], _ widths: [Int]) -> String {
    zip(fields, widths).map { field, width in
        let pad = String(repeating: " ", count: max(0, abs(width) - field.count))
        return width < 0 ? field + pad : pad + field
    }.joined(separator: " ")
}

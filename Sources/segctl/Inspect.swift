import ArgumentParser
import Foundation
import SegCompiler
import SegKernels
import SegImageIO
import SegRuntime

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a model's classes, input, layers and memory (ONNX or compiled).")

    @Argument(help: "ONNX or compiled model.") var model: String
    @Flag(help: "Compiled models: print tensors and layers with their quantization (and conv weights) as JSON.") var json = false

    func run() throws {
        let bytes = try ImageCodecs.readFile(model)
        if ModelSource.isCompiledModel(bytes) {
            let compiled = try CompiledModel.load(path: model)
            let p = compiled.program
            if json {
                print(String(decoding: try JSONSerialization.data(withJSONObject: describe(compiled), options: [.sortedKeys]), as: UTF8.self))
                return
            }
            let d = p.tensors[p.input].dims
            print("compiled model \(p.modelName), engine \(SegEngine.version), \(compiled.fileByteCount) bytes")
            print("input \(d.batch)x\(d.channels)x\(d.height)x\(d.width) int8 (scale \(p.tensors[p.input].scale), zero point \(p.tensors[p.input].zeroPoint)), mean \(p.mean), std \(p.std)")
            print("classes (\(p.classNames.count)): \(p.classNames.joined(separator: ", "))")
            print("quantization: \(p.quantizationSummary)")
            print("\(p.layers.count) layers, \(p.macs) MACs, arena \(p.arenaByteCount) bytes, weights \(compiled.weights.count) bytes")
            for layer in p.layers {
                let o = p.tensors[layer.output]
                print("  \(layer.name) (\(layer.opType)) -> \(o.dims.batch)x\(o.dims.channels)x\(o.dims.height)x\(o.dims.width) \(o.elementType)")
            }
        } else {
            let graph = try ModelCompiler.importGraph(bytes)
            let input = graph.values[graph.input]
            print("ONNX model \(graph.metadata("segd.model") ?? model)")
            print("input \(input.name) \(input.shape)")
            let classes = graph.metadata("segd.classes")?.split(separator: ",").map(String.init) ?? []
            print("classes (\(classes.count)): \(classes.joined(separator: ", "))")
            print("\(graph.nodes.count) nodes after import and fusion:")
            for node in graph.nodes { print("  \(node.name) (\(node.opType)) -> \(graph.values[node.output].shape)") }
        }
    }

    /// Tensors and layers with everything needed to reproduce a layer elsewhere (peers' parity tests).
    private func describe(_ model: CompiledModel) -> [String: Any] {
        let p = model.program
        let tensors: [[String: Any]] = p.tensors.map { t in
            ["name": t.name, "shape": [t.dims.batch, t.dims.channels, t.dims.height, t.dims.width], "type": "\(t.elementType)",
             "scale": t.scale, "zero_point": t.zeroPoint]
        }
        let layers: [[String: Any]] = p.layers.map { layer in
            var entry: [String: Any] = ["name": layer.name, "op": layer.opType, "inputs": layer.inputs, "output": layer.output]
            if case let .conv(g, q, w, b) = layer.spec {
                entry["kernel"] = [g.kernelHeight, g.kernelWidth]
                entry["strides"] = [g.strideHeight, g.strideWidth]
                entry["dilations"] = [g.dilationHeight, g.dilationWidth]
                entry["pads"] = [g.padTop, g.padLeft, g.padBottom, g.padRight]
                entry["groups"] = g.groups
                entry["multipliers"] = q.multipliers.map { [$0.multiplier, $0.rightShift] }
                entry["output_min"] = q.output.minimum
                entry["output_max"] = q.output.maximum
                entry["weights"] = Array(UnsafeBufferPointer(
                    start: (model.weights.baseAddress! + w.offset).assumingMemoryBound(to: Int8.self), count: w.count))
                entry["bias"] = Array(UnsafeBufferPointer(
                    start: (model.weights.baseAddress! + b.offset).assumingMemoryBound(to: Int32.self), count: b.count))
            }
            return entry
        }
        return ["model": p.modelName, "input": p.input, "mask": p.mask, "logits": p.logits, "arena_bytes": p.arenaByteCount,
                "classes": p.classNames, "tensors": tensors, "layers": layers]
    }
}

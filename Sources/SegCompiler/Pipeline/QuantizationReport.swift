import Foundation
import SegRuntime

/// How far each int8 layer's output is from the float graph's value, over some inputs.
public struct QuantizationReport: Sendable {
    public struct Layer: Sendable {
        public var name: String
        public var opType: String
        /// The int8 output's quantization (scale 1, zero point 0 for float outputs).
        public var scale: Double
        public var zeroPoint: Int32
        public var isFloat: Bool
        /// Signal-to-quantization-noise ratio of the layer output, dB (+inf when exact).
        public var sqnr: Double
    }

    public var layers: [Layer]
    /// SQNR of the logits (the tensor the mask is the argmax of), dB.
    public var logitsSQNR: Double
    /// Fraction of mask pixels where int8 and float agree.
    public var maskAgreement: Double
    public var inputCount: Int

    /// Runs the float graph and the compiled program on `inputs` and compares every layer output
    /// that both compute.
    public static func measure(_ artifact: CompiledArtifact, inputs: [[Float]]) throws(CompilerError) -> QuantizationReport {
        let model = try ModelSource.inMemory(artifact.bytes)
        let program = model.program
        let executor: NetworkExecutor
        let runner: FloatGraphRunner
        do {
            executor = try model.makeExecutor()
            runner = try FloatGraphRunner(graph: artifact.graph)
        } catch {
            throw CompilerError("\(error)")
        }
        var valueOfTensor = [Int?](repeating: nil, count: program.tensors.count)
        for (value, tensor) in artifact.lowered.valueTensors.enumerated() {
            if let tensor { valueOfTensor[tensor] = value }
        }
        let logitsValue = valueOfTensor[program.logits]
        var signal = [Double](repeating: 0, count: program.layers.count)
        var noise = [Double](repeating: 0, count: program.layers.count)
        var logitsSignal = 0.0, logitsNoise = 0.0
        var agree = 0, pixels = 0
        for input in inputs {
            var reference = [Int: [Float]]()
            _ = runner.run(input: input) { value, data in
                if artifact.lowered.valueTensors[value] != nil { reference[value] = data }
            }
            input.withUnsafeBufferPointer { executor.writeInput($0) }
            for (step, layer) in program.layers.enumerated() {
                executor.run(step: step, units: 0..<executor.unitCount(step), thread: 0)
                guard let value = valueOfTensor[layer.output], let expected = reference[value],
                    program.tensors[layer.output].elementType != .uint8
                else { continue }
                var actual = [Float](repeating: 0, count: expected.count)
                actual.withUnsafeMutableBufferPointer { executor.readTensor(layer.output, into: $0) }
                let (s, n) = energies(expected, actual)
                signal[step] += s
                noise[step] += n
                if value == logitsValue {
                    logitsSignal += s
                    logitsNoise += n
                }
            }
            if let logitsValue, let logits = reference[logitsValue] {
                let channels = program.tensors[program.logits].dims.channels
                let mask = executor.mask
                for p in 0..<(logits.count / channels) {
                    var best = 0
                    for c in 1..<channels where logits[p * channels + c] > logits[p * channels + best] { best = c }
                    if Int(mask[p]) == best { agree += 1 }
                    pixels += 1
                }
            }
        }
        var layers: [Layer] = []
        for (step, layer) in program.layers.enumerated() where valueOfTensor[layer.output] != nil {
            let slot = program.tensors[layer.output]
            guard slot.elementType != .uint8 else { continue }
            layers.append(Layer(
                name: layer.name, opType: layer.opType, scale: slot.scale, zeroPoint: slot.zeroPoint,
                isFloat: slot.elementType == .float32, sqnr: decibels(signal[step], noise[step])))
        }
        return QuantizationReport(
            layers: layers, logitsSQNR: decibels(logitsSignal, logitsNoise),
            maskAgreement: pixels > 0 ? Double(agree) / Double(pixels) : 0, inputCount: inputs.count)
    }

    private static func energies(_ expected: [Float], _ actual: [Float]) -> (Double, Double) {
        var s = 0.0, n = 0.0
        for i in 0..<expected.count {
            let e = Double(expected[i]), d = e - Double(actual[i])
            s += e * e
            n += d * d
        }
        return (s, n)
    }

    private static func decibels(_ signal: Double, _ noise: Double) -> Double {
        noise == 0 ? .infinity : 10 * log10(signal / noise)
    }
}

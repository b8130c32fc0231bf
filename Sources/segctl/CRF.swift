import ArgumentParser
import Foundation
import SegCompiler
import SegConfig
import SegCRF
import SegDaemon
import SegImageIO
import SegRuntime

struct CRF: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crf",
        abstract: "Refine a photo's class probabilities with the DenseCRF; write the mask and the refined probabilities.",
        discussion: """
            --probs is a float32 C x H x W .npy of class probabilities (each pixel's values summing to about 1) \
            at the photo's size. The parameters are DeepLab's (5 iterations, Gaussian weight 3 xy-std 1, \
            bilateral weight 4 xy-std 67 rgb-std 3) or the [crf] section of --config; --iterations overrides \
            the iterations, --gaussian-compat / --bilateral-compat replace a kernel's Potts weight by a C x C \
            float32 .npy compatibility matrix (pydensecrf's 2-D compat). The result equals pydensecrf's \
            DenseCRF2D with unary_from_softmax up to float rounding with --lattice-precision float, and up \
            to the rounding of 16-bit lattice values with half (the default). --bench-json times --runs runs of \
            setImage (lattice) and infer and prints one JSON object.
            """)

    @Option(help: "Class probabilities: float32 C x H x W .npy at the photo's size.") var probs: String
    @Option(help: "The photo: JPEG or PNG (grey and alpha are converted to RGB).") var image: String
    @Option(help: "Mean-field iterations (default: the parameters').") var iterations: Int?
    @Option(help: "segd.toml; the CRF parameters come from its [crf] section.") var config: String?
    @Option(help: "Threads.") var threads = 1
    @Option(help: """
        How lattices of three or more labels keep their values: half (16-bit floats) or float (what \
        pydensecrf computes). Default: the config's [crf] lattice_precision, else half.
        """)
    var latticePrecision: LatticePrecision?
    @Option(help: "C x C float32 .npy compatibility of the Gaussian kernel, instead of its Potts weight.")
    var gaussianCompat: String?
    @Option(help: "C x C float32 .npy compatibility of the bilateral kernel, instead of its Potts weight.")
    var bilateralCompat: String?
    @Option(help: "Write the refined probabilities here (float32 C x H x W .npy).") var probsOut: String?
    @Option(help: "Write the class-id mask here (8-bit grey PNG); optional with --bench-json.") var maskOut: String?
    @Flag(help: "Time --runs runs and print one JSON object.") var benchJson = false
    @Option(help: "Timed runs with --bench-json (the median is reported).") var runs = 11

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard (iterations ?? 0) >= 0 else { throw ValidationError("--iterations must not be negative") }
        guard maskOut != nil || benchJson else { throw ValidationError("--mask-out is required (optional only with --bench-json)") }
    }

    func run() throws {
        let input = try CRFInput(probabilitiesPath: probs, imagePath: image)
        let section = try loadConfiguration(config).crf
        var parameters = crfParameters(section)
        parameters.iterations = iterations ?? parameters.iterations
        if let gaussianCompat {
            parameters.gaussian.compatibility = try compatibilityMatrix(gaussianCompat, labels: input.labels)
        }
        if let bilateralCompat {
            parameters.bilateral.compatibility = try compatibilityMatrix(bilateralCompat, labels: input.labels)
        }

        let initStart = monotonicSeconds()
        let precision = latticePrecision ?? crfLatticePrecision(section)
        let crf = try DenseCRF(
            width: input.width, height: input.height, labels: input.labels, parameters: parameters, threadCount: threads,
            latticePrecision: precision)
        let initSeconds = monotonicSeconds() - initStart
        let pool = threads > 1 ? WorkerPool(work: crf, threadCount: threads) : nil
        var mask = [UInt8](repeating: 0, count: input.width * input.height)
        var refined = [Float](repeating: 0, count: input.probabilities.count)
        var latticeTimes: [Double] = [], inferenceTimes: [Double] = [], totalTimes: [Double] = []
        for _ in 0..<(benchJson ? runs : 1) {
            let start = monotonicSeconds()
            try input.rgb.withUnsafeBufferPointer { try crf.setImage($0, pool: pool) }
            let latticeDone = monotonicSeconds()
            try input.probabilities.withUnsafeBufferPointer { p in
                try mask.withUnsafeMutableBufferPointer { m in
                    try refined.withUnsafeMutableBufferPointer { r in
                        try crf.infer(probabilities: p, mask: m, refined: probsOut == nil ? nil : r, pool: pool)
                    }
                }
            }
            let end = monotonicSeconds()
            latticeTimes.append(latticeDone - start)
            inferenceTimes.append(end - latticeDone)
            totalTimes.append(end - start)
        }

        if let maskOut {
            try writeBytes(try ImageCodecs.encodePNG(mask, width: input.width, height: input.height, channels: 1), maskOut)
        }
        if let probsOut {
            try writeBytes(NumpyArray(shape: [input.labels, input.height, input.width], values: refined).serialized(), probsOut)
        }
        if benchJson {
            let vertices = crf.vertexCounts
            let object: [String: Any] = [
                "lattice_precision": crf.halfPrecisionRows ? "half" : "float",
                "ms": median(totalTimes) * 1000, "lattice_ms": median(latticeTimes) * 1000,
                "inference_ms": median(inferenceTimes) * 1000, "init_ms": initSeconds * 1000, "runs": runs,
                "width": input.width, "height": input.height, "labels": input.labels,
                "iterations": parameters.iterations, "threads": threads,
                "vertices_gaussian": vertices.gaussian, "vertices_bilateral": vertices.bilateral,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            let changed = zip(mask, input.argmax()).filter { $0 != $1 }.count
            print(String(
                format: "%dx%d, %d labels, %d iterations, %d thread(s): %.2f ms (lattice %.2f, inference %.2f); %.2f%% of pixels changed label",
                input.width, input.height, input.labels, parameters.iterations, threads, totalTimes[0] * 1000,
                latticeTimes[0] * 1000, inferenceTimes[0] * 1000, 100 * Double(changed) / Double(mask.count)))
        }
    }
}

/// A `labels` x `labels` compatibility matrix read from a float32 .npy file.
private func compatibilityMatrix(_ path: String, labels: Int) throws -> CRFCompatibility {
    let array = try NumpyArray.parse(try ImageCodecs.readFile(path), name: path)
    guard array.shape == [labels, labels] else {
        throw ImageCodecError(path: path, message: "compatibility shape \(array.shape), expected [\(labels), \(labels)] for the probabilities' \(labels) labels")
    }
    return .matrix(labels: labels, values: array.values)
}

/// The probabilities and the photo `segctl crf` refines, checked to be of one size.
private struct CRFInput {
    let width: Int
    let height: Int
    let labels: Int
    /// `labels` planes of `height` x `width`.
    let probabilities: [Float]
    /// Row-major RGB.
    let rgb: [UInt8]

    init(probabilitiesPath: String, imagePath: String) throws {
        let array = try NumpyArray.parse(try ImageCodecs.readFile(probabilitiesPath), name: probabilitiesPath)
        guard array.shape.count == 3, array.shape.allSatisfy({ $0 > 0 }) else {
            throw ImageCodecError(path: probabilitiesPath, message: "shape \(array.shape) is not C x H x W (float32 class probabilities)")
        }
        let photo = try ImageCodecs.load(path: imagePath)
        guard array.shape[1] == photo.height, array.shape[2] == photo.width else {
            throw ImageCodecError(
                path: probabilitiesPath,
                message: "probabilities are \(array.shape[2])x\(array.shape[1]) (W x H) but \(imagePath) is \(photo.width)x\(photo.height)")
        }
        width = photo.width
        height = photo.height
        labels = array.shape[0]
        probabilities = array.values
        rgb = photo.pixels
    }

    /// Each pixel's most probable label before refinement (the first of equals).
    func argmax() -> [UInt8] {
        let n = width * height
        return (0..<n).map { pixel in
            var best = 0
            for label in 1..<max(labels, 1) where probabilities[label * n + pixel] > probabilities[best * n + pixel] { best = label }
            return UInt8(best)
        }
    }
}


extension LatticePrecision: ExpressibleByArgument {}

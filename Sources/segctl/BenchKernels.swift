import ArgumentParser
import Glibc
import SegKernels
import SegKernelsBench

struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Time every kernel workload on one thread and print GMAC/s.",
        discussion: "Each figure is the median of --runs timed runs after one warm-up run.")

    @Option(help: "Timed runs per workload.") var runs = 11
    @Option(help: "Only these workloads (comma-separated).") var only: String?
    @Option(help: "Convolution path: best, dot-product or widening.") var path = "best"
    @Flag(help: "Print one JSON object per workload (name, kernel, detail, path, macs, outputs, ms).") var json = false

    func run() throws {
        let requested: ConvKernelPath?
        switch path {
        case "best": requested = nil
        case "dot-product": requested = .dotProduct
        case "widening": requested = .widening
        default: throw ValidationError("--path must be best, dot-product or widening")
        }
        let names = only.map { $0.split(separator: ",").map(String.init) } ?? KernelBenchmarks.names
        for name in names {
            guard let workload = KernelBenchmarks.make(name, path: requested) else {
                throw ValidationError("no workload '\(name)' on path \(path) here; known: \(KernelBenchmarks.names.joined(separator: ", "))")
            }
            workload.run()
            var times: [Double] = []
            for _ in 0..<runs {
                let start = monotonicSeconds()
                workload.run()
                times.append(monotonicSeconds() - start)
            }
            times.sort()
            let median = times[times.count / 2]
            let gmacs = Double(workload.macs) / median / 1e9
            let gouts = Double(workload.outputElements) / median / 1e9
            if json {
                print(
                    "{\"name\": \"\(workload.name)\", \"kernel\": \"\(workload.kernel)\", \"detail\": \"\(workload.detail)\", "
                        + "\"path\": \"\(path)\", \"macs\": \(workload.macs), \"outputs\": \(workload.outputElements), "
                        + "\"ms\": \(fixed(median * 1e3, 4))}")
            } else {
                let rate = workload.macs > 0 ? "\(fixed(gmacs, 1)) GMAC/s" : "\(fixed(gouts, 2)) Gout/s"
                print("\(workload.name): \(fixed(median * 1e3, 3)) ms  \(rate)  [\(workload.detail)]")
            }
        }
    }
}

func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// `value` with `digits` decimals.
func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var s = "\(rounded)"
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
    } else if digits > 0 {
        s += "." + String(repeating: "0", count: digits)
    }
    return s
}

import ArgumentParser
import SegKernels
import SegKernelsConformance

struct Kernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect and check the int8 kernels on this CPU.",
        subcommands: [Check.self, Info.self, Network.self])

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the CPU features and kernel paths in use.")

        func run() {
            print("dot-product instruction: \(CPUFeatures.current.contains(.dotProduct) ? "yes" : "no")")
            print("convolution paths: \(ConvKernelPath.available.map(\.description).joined(separator: ", ")) (best: \(ConvKernelPath.best))")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every optimized kernel path against its scalar reference on random vectors.",
            discussion: """
                The vectors are drawn from --seed with a generator that gives the same draws on every \
                ISA; --digests prints one line per vector whose text must be identical on x86_64, \
                aarch64 and armv7 (cross/embedded-test.sh compares them).
                """)

        @Option(help: "Vectors per kernel family.") var cases = 100
        @Option(help: "Seed of the vector generator.") var seed: UInt64 = 1
        @Option(help: "Only this family (\(ConformanceSuite.families.joined(separator: ", "))).") var family: String?
        @Flag(help: "Print every vector's digest line.") var digests = false

        func validate() throws {
            if let family, !ConformanceSuite.families.contains(family) {
                throw ValidationError("unknown family '\(family)'; known: \(ConformanceSuite.families.joined(separator: ", "))")
            }
        }

        func run() throws {
            var failures = 0
            for name in ConformanceSuite.families where family == nil || family == name {
                var tally: [String: Int] = [:]
                _ = ConformanceSuite.run(family: name, cases: cases, seed: seed) { result in
                    if digests { print("vector \(result.digestLine)") }
                    for f in result.failures {
                        print("MISMATCH \(result.family) \(result.index) [\(result.shape)] \(f)")
                        failures += 1
                    }
                    for c in result.checked { tally[c, default: 0] += 1 }
                }
                let summary = tally.keys.sorted().map { "\($0)=\(tally[$0]!)" }.joined(separator: " ")
                print("checked \(name): \(summary)")
            }
            if failures > 0 {
                print("\(failures) mismatches")
                throw ExitCode.failure
            }
        }
    }
}

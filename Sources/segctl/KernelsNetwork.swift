import ArgumentParser
import SegKernelsConformance
import SegRuntime

extension Kernels {
    struct Network: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a compiled model once on seeded input and print its output digest.",
            discussion: """
                The int8 input is filled with SplitMix64 bytes from --seed; the digest is FNV-1a 64 of the \
                mask and the logits tensor. The line must be identical on x86_64, aarch64 and armv7 \
                (cross/embedded-test.sh runs the same model under qemu and compares).
                """)

        @Argument(help: "Compiled model (.segm, from `segctl compile`).") var model: String
        @Option(help: "Seed of the input bytes.") var seed: UInt64 = 1

        func run() throws {
            let compiled = try CompiledModel.load(path: model)
            let executor = try compiled.makeExecutor()
            print(networkDigest(executor, seed: seed).line)
        }
    }
}

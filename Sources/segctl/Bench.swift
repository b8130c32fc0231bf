import ArgumentParser

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure segd's components: a whole model (default) or the kernels.",
        subcommands: [BenchModel.self, BenchKernels.self, BenchCapture.self, BenchPublish.self],
        defaultSubcommand: BenchModel.self)
}

import ArgumentParser

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure segd's components.",
        subcommands: [BenchKernels.self])
}

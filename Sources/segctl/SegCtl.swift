import ArgumentParser

@main
struct SegCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segctl",
        abstract: "Control and inspect segd, the semantic-segmentation daemon.",
        subcommands: [Compile.self, Infer.self, Quantize.self, Inspect.self, Bench.self, Kernels.self, Devices.self, Capture.self, Ring.self, Subscribe.self, Snapshot.self, CRF.self])
}

import SegRuntime

/// The outcome of one whole-network inference on a seeded input, as a digest that must be the
/// same on every ISA (cross/embedded-test.sh compares x86_64 with aarch64 and armv7).
public struct NetworkDigest: Equatable {
    /// The compiled model's own name (`NetworkProgram.modelName`).
    public var modelName: String
    /// Seed of the input bytes.
    public var seed: UInt64
    /// FNV-1a 64 of the mask bytes followed by the logits tensor's bytes.
    public var value: UInt64
    /// Pixels of the mask.
    public var pixels: Int

    /// `network <name> seed=<s> digest=<hex> pixels=<n>`: integers and hex only, so the text is
    /// identical wherever the outputs are.
    public var line: String { "network \(modelName) seed=\(seed) digest=\(hex(value)) pixels=\(pixels)" }
}

/// Fills `executor`'s int8 input with SplitMix64 bytes drawn from `seed`, calls `run` (which must
/// run the executor once; by default on the calling thread), and digests the mask and the logits.
/// Allocates nothing beyond what `run` does.
public func networkDigest(
    _ executor: NetworkExecutor, seed: UInt64, run: (NetworkExecutor) -> Void = { $0.run() }
) -> NetworkDigest {
    let program = executor.program
    var rng = SplitMix64(seed: seed)
    rng.fill(executor.input, count: program.tensors[program.input].byteCount)
    run(executor)
    var hash = FNV1a()
    let mask = program.tensors[program.mask], logits = program.tensors[program.logits]
    hash.add(executor.mask, count: mask.byteCount)
    hash.add(executor.pointer(program.logits), count: logits.byteCount)
    return NetworkDigest(modelName: program.modelName, seed: seed, value: hash.value, pixels: mask.dims.pixelCount)
}

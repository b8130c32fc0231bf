import SegKernels

/// `ChannelArgMax` (whole and split into two pixel ranges) against `argMaxReference`: channels
/// 1...256 around the 16-lane step, values from the full range down to a single one (ties).
public func argMaxCase(_ rng: inout SplitMix64, _ index: Int) -> ConformanceResult {
    var channels: Int
    switch rng.int(0...9) {
    case 0...2: channels = rng.int(1...16)
    case 3...6: channels = rng.int(17...48)
    case 7: channels = 256
    default: channels = rng.int(49...255)
    }
    let pixelCount = rng.int(1...max(1, 12_000 / channels))
    let low = rng.int(-128...127)
    let high = rng.chance(30) ? min(127, low + rng.int(0...3)) : rng.int(low...127)
    let count = pixelCount * channels
    let input = randomInput(&rng, count: count, low...high)
    let shape = "\(pixelCount)x\(channels) values \(low)...\(high)"
    let expected = sentinelOutput(byteCount: pixelCount)
    argMaxReference(
        input: input.typed(Int8.self, count: count), pixelCount: pixelCount, channels: channels,
        output: expected.typed(UInt8.self, count: pixelCount))
    var failures: [String] = []
    do {
        let argMax = try ChannelArgMax(pixelCount: pixelCount, channels: channels)
        let inputPointer = UnsafePointer(input.typed(Int8.self, count: count))
        let got = sentinelOutput(byteCount: pixelCount)
        argMax.run(input: inputPointer, output: got.typed(UInt8.self, count: pixelCount))
        compare("simd", got, expected, count: pixelCount, into: &failures)
        let split = sentinelOutput(byteCount: pixelCount)
        let middle = rng.int(0...pixelCount)
        argMax.run(input: inputPointer, output: split.typed(UInt8.self, count: pixelCount), pixels: middle..<pixelCount)
        argMax.run(input: inputPointer, output: split.typed(UInt8.self, count: pixelCount), pixels: 0..<middle)
        compare("simd pixels-split", split, expected, count: pixelCount, into: &failures)
    } catch {
        failures.append("refused: \(error)")
    }
    return ConformanceResult(
        family: "argMax", index: index, shape: shape, digest: digest(expected, count: pixelCount),
        checked: ["simd", "simd pixels-split"], failures: failures)
}

import SegKernels

/// `DequantizedSoftmax` (whole and split into two pixel ranges) against `softmaxReference`, byte
/// for byte on the Float32 bit patterns: scales 2^-9...2^3, channels 1...256, NHWC, planar and
/// padded layouts (gaps keep the sentinel).
public func softmaxCase(_ rng: inout SplitMix64, _ index: Int) -> ConformanceResult {
    let channels = rng.chance(10) ? rng.int(100...256) : rng.int(1...40)
    let pixelCount = rng.int(1...max(1, 1_500 / channels))
    let exponent = rng.int(-9...2)
    let scale = (1 + rng.unit()) * Double(sign: .plus, exponent: exponent, significand: 1)
    let layout = rng.int(0...3)
    var pixelStride = 1, channelStride = 1
    switch layout {
    case 0: pixelStride = channels
    case 1: channelStride = pixelCount
    case 2: pixelStride = channels + rng.int(1...5)
    default: channelStride = pixelCount + rng.int(1...5)
    }
    let layoutName = ["nhwc", "planar", "nhwc-padded", "planar-padded"][layout]
    let count = pixelCount * channels
    let input = randomInput(&rng, count: count, rng.chance(20) ? -3...3 : -128...127)
    let shape = "\(pixelCount)x\(channels) scale=2^\(exponent) \(layoutName) strides \(pixelStride),\(channelStride)"
    var failures: [String] = []
    guard let softmax = try? DequantizedSoftmax(
        pixelCount: pixelCount, channels: channels, scale: scale, pixelStride: pixelStride, channelStride: channelStride)
    else {
        return ConformanceResult(family: "softmax", index: index, shape: shape, digest: 0, checked: [], failures: ["refused"])
    }
    let bytes = softmax.outputElementCount * 4
    let expected = sentinelOutput(byteCount: bytes)
    softmaxReference(
        input: input.typed(Int8.self, count: count), pixelCount: pixelCount, channels: channels, scale: scale,
        output: expected.typed(Float.self, count: softmax.outputElementCount), pixelStride: pixelStride,
        channelStride: channelStride)
    let inputPointer = UnsafePointer(input.typed(Int8.self, count: count))
    let got = sentinelOutput(byteCount: bytes)
    softmax.run(input: inputPointer, output: got.typed(Float.self, count: softmax.outputElementCount))
    compare("simd", got, expected, count: bytes, into: &failures)
    let split = sentinelOutput(byteCount: bytes)
    let middle = rng.int(0...pixelCount)
    softmax.run(input: inputPointer, output: split.typed(Float.self, count: 1), pixels: middle..<pixelCount)
    softmax.run(input: inputPointer, output: split.typed(Float.self, count: 1), pixels: 0..<middle)
    compare("simd pixels-split", split, expected, count: bytes, into: &failures)
    return ConformanceResult(
        family: "softmax", index: index, shape: shape, digest: digest(expected, count: bytes),
        checked: ["simd", "simd pixels-split"], failures: failures)
}

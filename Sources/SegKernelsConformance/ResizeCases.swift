import SegKernels

/// A random resize: sides 1...13 in, 1...29 out (up, down and mixed per axis), channels around
/// the 16-lane step (1...15, 16, 17...40, sometimes up to 70), one batch in ten of two.
func drawResizeGeometry(_ rng: inout SplitMix64) -> ResizeGeometry {
    var channels: Int
    switch rng.int(0...9) {
    case 0...3: channels = rng.int(1...15)
    case 4: channels = 16
    case 5...8: channels = rng.int(17...40)
    default: channels = rng.int(41...70)
    }
    var g = ResizeGeometry(
        batch: rng.chance(10) ? 2 : 1, inputHeight: rng.int(1...13), inputWidth: rng.int(1...13), channels: channels,
        outputHeight: rng.int(1...29), outputWidth: rng.int(1...29))
    // Keep the scalar reference well under a million operations.
    while g.outputElementCount > 30_000 && g.channels > 1 { g.channels = (g.channels + 1) / 2 }
    return g
}

func resizeModeName(_ mode: ResizeCoordinateMode) -> String {
    switch mode {
    case .halfPixel: "halfPixel"
    case .pytorchHalfPixel: "pytorchHalfPixel"
    case .alignCorners: "alignCorners"
    case .asymmetric: "asymmetric"
    }
}

func resizeModeName(_ mode: ResizeNearestMode) -> String {
    switch mode {
    case .floor: "floor"
    case .roundPreferFloor: "roundPreferFloor"
    case .roundPreferCeil: "roundPreferCeil"
    case .ceil: "ceil"
    }
}

func describe(_ g: ResizeGeometry) -> String {
    "n\(g.batch) \(g.inputHeight)x\(g.inputWidth)x\(g.channels)->\(g.outputHeight)x\(g.outputWidth)"
}

/// `ResizeBilinear` (whole and split into two row ranges) against `resizeBilinearReference`, every
/// coordinate mode.
public func resizeBilinearCase(_ rng: inout SplitMix64, _ index: Int) -> ConformanceResult {
    let g = drawResizeGeometry(&rng)
    let mode = rng.pick([ResizeCoordinateMode.halfPixel, .pytorchHalfPixel, .alignCorners, .asymmetric])
    let input = randomInput(&rng, count: g.inputElementCount)
    let shape = "\(describe(g)) \(resizeModeName(mode))"
    let expected = sentinelOutput(byteCount: g.outputElementCount)
    resizeBilinearReference(
        g, coordinateMode: mode, input: input.typed(Int8.self, count: g.inputElementCount),
        output: expected.typed(Int8.self, count: g.outputElementCount))
    var failures: [String] = []
    do {
        let resize = try ResizeBilinear(g, coordinateMode: mode)
        let inputPointer = UnsafePointer(input.typed(Int8.self, count: g.inputElementCount))
        // The workspace starts as garbage: the kernel must not depend on its contents.
        let scratch = workspace(resize.workspaceByteCount)
        rng.fill(scratch.typed(UInt8.self, count: resize.workspaceByteCount), count: resize.workspaceByteCount)
        let got = sentinelOutput(byteCount: g.outputElementCount)
        resize.run(input: inputPointer, output: got.typed(Int8.self, count: g.outputElementCount), workspace: scratch.pointer)
        compare("simd", got, expected, count: g.outputElementCount, into: &failures)
        let split = sentinelOutput(byteCount: g.outputElementCount)
        let middle = rng.int(0...resize.outputRowCount)
        resize.run(
            input: inputPointer, output: split.typed(Int8.self, count: 1), workspace: scratch.pointer,
            outputRows: middle..<resize.outputRowCount)
        resize.run(input: inputPointer, output: split.typed(Int8.self, count: 1), workspace: scratch.pointer, outputRows: 0..<middle)
        compare("simd rows-split", split, expected, count: g.outputElementCount, into: &failures)
    } catch {
        failures.append("refused: \(error)")
    }
    return ConformanceResult(
        family: "resizeBilinear", index: index, shape: shape, digest: digest(expected, count: g.outputElementCount),
        checked: ["simd", "simd rows-split"], failures: failures)
}

/// `ResizeNearest` (whole and split into two row ranges) against `resizeNearestReference`, every
/// coordinate mode and rounding.
public func resizeNearestCase(_ rng: inout SplitMix64, _ index: Int) -> ConformanceResult {
    let g = drawResizeGeometry(&rng)
    let mode = rng.pick([ResizeCoordinateMode.halfPixel, .pytorchHalfPixel, .alignCorners, .asymmetric])
    let rounding = rng.pick([ResizeNearestMode.floor, .roundPreferFloor, .roundPreferCeil, .ceil])
    let input = randomInput(&rng, count: g.inputElementCount)
    let shape = "\(describe(g)) \(resizeModeName(mode)) \(resizeModeName(rounding))"
    let expected = sentinelOutput(byteCount: g.outputElementCount)
    resizeNearestReference(
        g, coordinateMode: mode, nearestMode: rounding, input: input.typed(Int8.self, count: g.inputElementCount),
        output: expected.typed(Int8.self, count: g.outputElementCount))
    var failures: [String] = []
    do {
        let resize = try ResizeNearest(g, coordinateMode: mode, nearestMode: rounding)
        let inputPointer = UnsafePointer(input.typed(Int8.self, count: g.inputElementCount))
        let got = sentinelOutput(byteCount: g.outputElementCount)
        resize.run(input: inputPointer, output: got.typed(Int8.self, count: g.outputElementCount))
        compare("simd", got, expected, count: g.outputElementCount, into: &failures)
        let split = sentinelOutput(byteCount: g.outputElementCount)
        let middle = rng.int(0...resize.outputRowCount)
        resize.run(input: inputPointer, output: split.typed(Int8.self, count: 1), outputRows: middle..<resize.outputRowCount)
        resize.run(input: inputPointer, output: split.typed(Int8.self, count: 1), outputRows: 0..<middle)
        compare("simd rows-split", split, expected, count: g.outputElementCount, into: &failures)
    } catch {
        failures.append("refused: \(error)")
    }
    return ConformanceResult(
        family: "resizeNearest", index: index, shape: shape, digest: digest(expected, count: g.outputElementCount),
        checked: ["simd", "simd rows-split"], failures: failures)
}

// Swift side of the harness's `crf` command (see main.c, bench/crf-arm.sh).
import KernelHarness
import SegCRF
import SegKernelsConformance

/// Runs DenseCRF with DeepLab's parameters on a `width` x `height` `SyntheticScene` with `labels`
/// classes and prints one line:
///
///     crf WxH labels=L iterations=N digest=<hex> unary-digest=<hex> changed=<pixels>
///         histogram=<pixels of label 0>,... vertices=<gaussian>,<bilateral> half=<0|1>
///         allocations=<count>
///
/// `digest` is FNV-1a 64 of the mask after `iterations` steps, `unary-digest` of the mask after none
/// (the most probable label of each pixel), `changed` the pixels where they differ, `histogram`
/// counts the mask's labels, `half` whether the lattices kept `Float16` rows, `allocations` the heap
/// allocations of the marked calls.
///
/// Marks: 0-1 around `init` (which builds the Gaussian lattice), 2-3 around `setImage` (the bilateral
/// lattice), 4-5 around `infer` with `iterations` steps, 6-7 around `infer` with none, so that the
/// iterations cost the difference. A `setImage` and a one-step `infer` before mark 2 grow the
/// buffers, so that the marked calls are steady-state frames. Returns 1 if the CRF refuses.
@_cdecl("kernel_harness_crf")
public func crf(_ width: Int32, _ height: Int32, _ labels: Int32, _ iterations: Int32) -> Int32 {
    guard width >= 1, height >= 1, labels >= 1, iterations >= 0 else {
        print("crf: width, height and labels must be positive, iterations not negative")
        return 1
    }
    let scene = SyntheticScene(width: Int(width), height: Int(height), labels: Int(labels), seed: 1)
    do {
        print(try run(scene, iterations: Int(iterations)))
        return 0
    } catch {
        print("crf refused: \(describe(error))")
        return 1
    }
}

/// The marked calls of `crf`; returns its line.
private func run(_ scene: SyntheticScene, iterations: Int) throws(CRFError) -> String {
    let n = scene.width * scene.height
    let mask = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: n)
    let unaryMask = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: n)
    defer {
        mask.deallocate()
        unaryMask.deallocate()
    }
    let rgb = UnsafeBufferPointer(scene.rgb), probabilities = UnsafeBufferPointer(scene.probabilities)
    kernel_harness_mark(0)
    let crf = try DenseCRF(width: scene.width, height: scene.height, labels: scene.labels, parameters: .deepLab)
    kernel_harness_mark(1)
    try crf.setImage(rgb)
    try crf.infer(probabilities: probabilities, mask: mask, iterations: 1)
    let before = kernel_harness_allocations()
    kernel_harness_mark(2)
    try crf.setImage(rgb)
    kernel_harness_mark(3)
    kernel_harness_mark(4)
    try crf.infer(probabilities: probabilities, mask: mask, iterations: iterations)
    kernel_harness_mark(5)
    kernel_harness_mark(6)
    try crf.infer(probabilities: probabilities, mask: unaryMask, iterations: 0)
    kernel_harness_mark(7)
    let allocations = kernel_harness_allocations() &- before
    var digest = FNV1a(), unaryDigest = FNV1a()
    digest.add(mask.baseAddress!, count: n)
    unaryDigest.add(unaryMask.baseAddress!, count: n)
    var histogram = [Int](repeating: 0, count: scene.labels)
    var changed = 0
    for p in 0..<n {
        histogram[Int(mask[p])] += 1
        if mask[p] != unaryMask[p] { changed += 1 }
    }
    var counts = ""
    for label in 0..<scene.labels { counts += (label == 0 ? "" : ",") + "\(histogram[label])" }
    let vertices = crf.vertexCounts
    return "crf \(scene.width)x\(scene.height) labels=\(scene.labels) iterations=\(iterations) digest=\(hex(digest.value))"
        + " unary-digest=\(hex(unaryDigest.value)) changed=\(changed) histogram=\(counts)"
        + " vertices=\(vertices.gaussian),\(vertices.bilateral) half=\(crf.halfPrecisionRows ? 1 : 0)"
        + " allocations=\(allocations)"
}

/// What `CRFError`'s hosted `description` says, without the floats Embedded Swift cannot print.
private func describe(_ error: CRFError) -> String {
    switch error {
    case let .invalidConfiguration(message): return message
    case let .invalidProbability(label, x, y, _): return "invalid probability of label \(label) at pixel (\(x), \(y))"
    case let .sizeMismatch(what, expected, got): return "\(what) has \(got) elements, expected \(expected)"
    }
}

import SegRuntime

/// DeepLab's fully-connected CRF (Krähenbühl and Koltun 2011) over one image size: a Gaussian kernel
/// over pixel position and a bilateral kernel over position and colour, each symmetrically normalized
/// and with Potts or matrix label compatibility, solved by mean-field iterations whose message passing
/// is permutohedral-lattice filtering. It computes what pydensecrf's `DenseCRF2D` with
/// `unary_from_softmax` computes, up to float rounding with `LatticePrecision.float`, and up to the
/// rounding of 16-bit lattice values with `.half` (the default).
///
/// Every buffer is allocated at init or grown by the first frames, so that steady-state frames of
/// the same size allocate nothing. `setImage` builds the bilateral lattice for a frame; `infer` runs
/// the iterations for that frame's class probabilities. Both use the pool's threads when given one
/// (`WorkerPool(work: crf, threadCount:)`), or run on the caller's thread.
///
/// Not thread-safe: one `setImage` or `infer` at a time.
public final class DenseCRF: PartitionedWork {
    public let width: Int
    public let height: Int
    /// Classes (1...256: the mask holds class ids in a byte).
    public let labels: Int
    public let parameters: CRFParameters
    /// Threads the per-thread scratch covers.
    public let threadCount: Int
    /// How the lattices of several channels keep their rows.
    public let latticePrecision: LatticePrecision
    /// Whether the lattices keep `Float16` rows: `latticePrecision` is `half` and they filter
    /// several channels (three or more labels, or two with a compatibility matrix).
    public let halfPrecisionRows: Bool
    /// The lattices' vertex counts after the last `setImage` (Gaussian, bilateral).
    public var vertexCounts: (gaussian: Int, bilateral: Int) { (lattices[0].vertexCount, lattices[1].vertexCount) }

    let pixelCount: Int
    /// Channels that go through the lattices: one fewer than the labels, because the kernels are
    /// linear and the probabilities of a pixel sum to 1, so the last label's message is
    /// `n * K(n)` minus the others' (`normalizedOnes`).
    private let channels: Int
    /// Floats per pixel in the kernel buffers: two or more channels rounded up to a multiple of 4, so
    /// that the row loops (8 lanes at a time, then 4) have no scalar tail. Each lane is filtered on
    /// its own; the padding lanes' values are never read.
    private let channelStride: Int
    let lattices: [PermutohedralLattice]
    private let features: UnsafeMutablePointer<Float>
    /// Per kernel and pixel: DenseCRF's symmetric normalization `1 / sqrt(K(1) + 1e-20)` ...
    private let normalization: UnsafeMutablePointer<Float>
    /// ... and `n * K(n)`, the sum of the normalized messages of all labels.
    private let normalizedOnes: UnsafeMutablePointer<Float>
    /// Clamped probabilities, pixel-major.
    private let prior: UnsafeMutablePointer<Float>
    /// Per kernel, the lattice's input `n * Q`, pixel-major over `channelStride` (what the update
    /// does not scatter itself), as `Float`, or as `Float16` with `halfPrecisionRows` (accessed
    /// only by raw vector loads and stores, in the first half of the kernel's part) ...
    private let kernelInput: UnsafeMutablePointer<Float>
    /// ... and one channel of output: two labels' messages, or the normalization's filtered ones
    /// (more labels slice in the update).
    private let kernelOutput: UnsafeMutablePointer<Float>
    /// Per kernel, `labels * labels` coefficients of the messages in the energy, or nil for Potts.
    private let compatibility: [UnsafeMutablePointer<Float>?]
    private let pottsWeights: [Float]
    /// Per thread, `update`'s scratch (see `scratch(_:)`).
    private let threadScratch: UnsafeMutablePointer<Float>
    private let threadScratchStride: Int
    /// Two labels with Potts kernels take `updateTwoLabels`, which keeps the priors as label planes.
    private let twoLabelPotts: Bool
    /// Labels rounded up to the 8 lanes of the vector exponential.
    private let scratchStride: Int
    private var imageIsSet = false

    // The running phase, written before the pool runs it.
    private var activeKernel = 0
    private var blurAxis = 0
    private var filterInput: UnsafePointer<Float>
    private var filterInputIsHalf = false
    private var filterOutput: UnsafeMutablePointer<Float>
    private var lastIteration = false
    /// Per kernel, whether the update splats the next iteration's input itself instead of storing it.
    private var updateScatters = (false, false)
    private var maskOutput: UnsafeMutablePointer<UInt8>?
    private var refinedOutput: UnsafeMutablePointer<Float>?

    private static let block = 256
    /// The largest lattice of `Float` rows (vertices times channels) the update scatters onto: 4 MiB
    /// of values, which the caches hold.
    private static let scatterFloats = 1 << 20
    private static let minimumProbability: Float = 1e-5

    /// A CRF for `width` x `height` images with `labels` classes; builds the Gaussian lattice, which
    /// depends only on the size.
    public init(
        width: Int, height: Int, labels: Int, parameters: CRFParameters, threadCount: Int = 1,
        latticePrecision: LatticePrecision = .half
    ) throws(CRFError) {
        guard width >= 1, height >= 1, width <= 8192, height <= 8192 else {
            throw .invalidConfiguration("CRF size \(width)x\(height) is outside 1x1...8192x8192")
        }
        guard (1...256).contains(labels) else { throw .invalidConfiguration("CRF labels \(labels) outside 1...256") }
        guard parameters.iterations >= 0 else { throw .invalidConfiguration("CRF iterations \(parameters.iterations) is negative") }
        guard parameters.gaussian.xyStd > 0, parameters.bilateral.xyStd > 0, parameters.bilateral.rgbStd > 0,
              parameters.gaussian.xyStd.isFinite, parameters.bilateral.xyStd.isFinite, parameters.bilateral.rgbStd.isFinite
        else { throw .invalidConfiguration("CRF standard deviations must be positive and finite") }
        guard threadCount >= 1 else { throw .invalidConfiguration("CRF threads \(threadCount) below 1") }
        var weights: [Float] = []
        var matrices: [UnsafeMutablePointer<Float>?] = []
        for compatibility in [parameters.gaussian.compatibility, parameters.bilateral.compatibility] {
            switch compatibility {
            case let .potts(weight):
                guard weight.isFinite else { throw .invalidConfiguration("CRF Potts weight must be finite") }
                weights.append(weight)
                matrices.append(nil)
            case let .matrix(size, values):
                guard size == labels, values.count == labels &* labels, values.allSatisfy({ $0.isFinite }) else {
                    throw .invalidConfiguration("CRF compatibility matrix must be \(labels)x\(labels) finite values")
                }
                // DenseCRF symmetrizes the matrix and subtracts its product with the messages.
                let matrix = UnsafeMutablePointer<Float>.allocate(capacity: labels &* labels)
                for l in 0..<labels {
                    for m in 0..<labels {
                        matrix[l &* labels &+ m] = -0.5 * (values[l &* labels &+ m] + values[m &* labels &+ l])
                    }
                }
                weights.append(0)
                matrices.append(matrix)
            }
        }
        self.width = width
        self.height = height
        self.labels = labels
        self.parameters = parameters
        self.threadCount = threadCount
        self.latticePrecision = latticePrecision
        pixelCount = width &* height
        channels = max(1, labels &- 1)
        channelStride = channels == 1 ? 1 : (channels &+ 3) & ~3
        pottsWeights = weights
        twoLabelPotts = labels == 2 && matrices.allSatisfy { $0 == nil }
        halfPrecisionRows = latticePrecision == .half && !twoLabelPotts && channelStride > 1
        compatibility = matrices
        lattices = [PermutohedralLattice(dimensions: 2, pointCapacity: pixelCount),
                    PermutohedralLattice(dimensions: 5, pointCapacity: pixelCount)]
        features = .allocate(capacity: pixelCount &* 5)
        normalization = .allocate(capacity: 2 &* pixelCount)
        normalizedOnes = .allocate(capacity: 2 &* pixelCount)
        // 8 floats of slack: the vector update reads whole 8-lane groups of the last pixel's row.
        prior = .allocate(capacity: pixelCount &* labels &+ 8)
        prior.update(repeating: 0, count: pixelCount &* labels &+ 8)
        kernelInput = .allocate(capacity: 2 &* pixelCount &* channelStride)
        kernelOutput = .allocate(capacity: 2 &* pixelCount)
        kernelInput.update(repeating: 0, count: 2 &* pixelCount &* channelStride)
        scratchStride = (labels &+ 7) & ~7
        threadScratchStride = (DenseCRF.updateBlock &+ 3) &* scratchStride &+ DenseCRF.updateBlock
        threadScratch = .allocate(capacity: threadCount &* threadScratchStride)
        threadScratch.update(repeating: 0, count: threadCount &* threadScratchStride)
        filterInput = UnsafePointer(kernelInput)
        filterOutput = kernelOutput

        let inverseXY = 1 / parameters.gaussian.xyStd
        for y in 0..<height {
            for x in 0..<width {
                let f = features + 2 &* (y &* width &+ x)
                f[0] = Float(x) * inverseXY
                f[1] = Float(y) * inverseXY
            }
        }
        lattices[0].build(features: features, count: pixelCount)
        normalize(kernel: 0, pool: nil)
    }

    deinit {
        features.deallocate()
        normalization.deallocate()
        normalizedOnes.deallocate()
        prior.deallocate()
        kernelInput.deallocate()
        kernelOutput.deallocate()
        threadScratch.deallocate()
        for matrix in compatibility { matrix?.deallocate() }
    }

    /// Builds the bilateral lattice of `rgb` (`width * height * 3` bytes, row-major RGB, borrowed for
    /// the call).
    public func setImage(_ rgb: UnsafeBufferPointer<UInt8>, pool: WorkerPoolReference = nil) throws(CRFError) {
        guard rgb.count == pixelCount &* 3 else { throw .sizeMismatch(what: "CRF image", expected: pixelCount &* 3, got: rgb.count) }
        let base = rgb.baseAddress!
        let xy = parameters.bilateral.xyStd, colour = parameters.bilateral.rgbStd
        for y in 0..<height {
            for x in 0..<width {
                let p = y &* width &+ x
                let f = features + 5 &* p, pixel = base + 3 &* p
                f[0] = Float(x) / xy
                f[1] = Float(y) / xy
                f[2] = Float(pixel[0]) / colour
                f[3] = Float(pixel[1]) / colour
                f[4] = Float(pixel[2]) / colour
            }
        }
        lattices[1].build(features: features, count: pixelCount)
        normalize(kernel: 1, pool: pool)
        imageIsSet = true
    }

    /// Refines `probabilities` (`labels` planes of `height` x `width` Float, each pixel's values
    /// summing to about 1; clamped to [1e-5, 1] as pydensecrf's `unary_from_softmax` does) of the
    /// image last given to `setImage`, with `iterations` mean-field steps (the parameters' when nil).
    /// Writes the most probable label of each pixel into `mask` (`width * height`) and, when given,
    /// the refined probabilities into `refined` (the layout of `probabilities`). Throws on NaN,
    /// infinite or negative probabilities, before writing anything.
    public func infer(
        probabilities: UnsafeBufferPointer<Float>, mask: UnsafeMutableBufferPointer<UInt8>,
        refined: UnsafeMutableBufferPointer<Float>? = nil, iterations: Int? = nil, pool: WorkerPoolReference = nil
    ) throws(CRFError) {
        let n = pixelCount, planeCount = n &* labels
        guard probabilities.count == planeCount else { throw .sizeMismatch(what: "CRF probabilities", expected: planeCount, got: probabilities.count) }
        guard mask.count == n else { throw .sizeMismatch(what: "CRF mask", expected: n, got: mask.count) }
        if let refined, refined.count != planeCount { throw .sizeMismatch(what: "CRF refined probabilities", expected: planeCount, got: refined.count) }
        let steps = iterations ?? parameters.iterations
        guard steps >= 0 else { throw .invalidConfiguration("CRF iterations \(steps) is negative") }
        guard imageIsSet else { throw .invalidConfiguration("CRF image not set") }
        try loadPrior(probabilities.baseAddress!)
        maskOutput = mask.baseAddress!
        refinedOutput = refined?.baseAddress
        if labels == 1 {
            mask.update(repeating: 0)
            refined?.update(repeating: 1)
            return
        }
        if steps == 0 {
            lastIteration = true
            runStep(CRFStep.finishWithoutIterations, units: units(n), pool: pool)
            return
        }
        // On one thread, the update scatters the next inputs onto the lattices pixel by pixel (pool
        // threads would add to the same vertices) instead of storing them for the splat's gather:
        // onto lattices whose values the caches hold, as the gather reads the inputs from memory.
        var scatters = !twoLabelPotts
        #if !hasFeature(Embedded)
        scatters = scatters && pool == nil
        #endif
        scatters = scatters && !halfPrecisionRows
        let scatterKernels = (scatters && (lattices[0].vertexCount &+ 1) &* channelStride <= DenseCRF.scatterFloats,
                              scatters && (lattices[1].vertexCount &+ 1) &* channelStride <= DenseCRF.scatterFloats)
        for iteration in 0..<steps {
            for kernel in 0..<2 {
                let input = kernelInput + kernel &* n &* channelStride
                // Two labels slice into the output planes; more slice in the update, pixel by pixel,
                // so that the messages are not stored and read back.
                if twoLabelPotts {
                    filter(kernel: kernel, input: input, output: kernelOutput + kernel &* n, channels: 1, pool: pool)
                } else if iteration > 0 && (kernel == 0 ? scatterKernels.0 : scatterKernels.1) {
                    blur(kernel: kernel, pool: pool)
                } else {
                    splatAndBlur(kernel: kernel, input: input, channels: channelStride,
                                 halfPrecision: halfPrecisionRows, pool: pool)
                }
            }
            lastIteration = iteration == steps &- 1
            updateScatters = lastIteration ? (false, false) : scatterKernels
            if updateScatters.0 { lattices[0].beginScatter() }
            if updateScatters.1 { lattices[1].beginScatter() }
            runStep(CRFStep.update, units: units(n), pool: pool)
            if updateScatters.0 { lattices[0].finishScatter() }
            if updateScatters.1 { lattices[1].finishScatter() }
        }
    }

    // MARK: Phases

    /// Copies the probabilities pixel-major, clamped, and writes the first kernel inputs
    /// (`n * Q0`, Q0 the normalized clamped probabilities).
    private func loadPrior(_ planes: UnsafePointer<Float>) throws(CRFError) {
        let n = pixelCount, l = labels
        if let invalid = firstInvalidValue(planes, count: n &* l) { throw invalidProbability(planes, at: invalid) }
        if twoLabelPotts || l == 1 {
            for label in 0..<l {
                let plane = planes + label &* n
                for p in 0..<n { prior[label &* n &+ p] = min(max(plane[p], DenseCRF.minimumProbability), 1) }
            }
            if l == 1 { return }
            for p in 0..<n {
                let first = prior[p], inverse = 1 / (first + prior[n &+ p])
                for kernel in 0..<2 { kernelInput[kernel &* n &+ p] = normalization[kernel &* n &+ p] * inverse * first }
            }
            return
        }
        // Pixel-major rows are filled a tile of pixels at a time, so that the planes' values land in
        // rows the cache holds instead of one pass over all rows per label.
        let cs = channelStride, tile = 64
        for start in stride(from: 0, to: n, by: tile) {
            let pixels = start..<min(n, start &+ tile)
            for label in 0..<l {
                let plane = planes + label &* n
                for p in pixels { prior[p &* l &+ label] = min(max(plane[p], DenseCRF.minimumProbability), 1) }
            }
            for p in pixels {
                let row = prior + p &* l
                var sum: Float = 0
                for label in 0..<l { sum += row[label] }
                let inverse = 1 / sum
                for kernel in 0..<2 {
                    let scale = normalization[kernel &* n &+ p] * inverse
                    let input = kernelInput + (kernel &* n &+ p) &* cs
                    // Lanes past the channels: the next labels (or the next rows') times the scale,
                    // values nobody reads.
                    if halfPrecisionRows {
                        storeScaledRow(halfInputRow(kernel: kernel, pixel: p), row, scale: scale, cs)
                    } else {
                        storeScaledRow(input, row, scale: scale, cs)
                    }
                }
            }
        }
    }

    /// The offset of the first of `count` values that is NaN, infinite or negative (-0 is not), or nil;
    /// a vector scan, since every frame's probabilities pass through it.
    private func firstInvalidValue(_ values: UnsafePointer<Float>, count: Int) -> Int? {
        var invalid = SIMD8<UInt32>(repeating: 0)
        var k = 0
        while k &+ 8 <= count {
            let bits = UnsafeRawPointer(values + k).loadUnaligned(as: SIMD8<UInt32>.self)
            let magnitude = bits & 0x7FFF_FFFF
            // (limit - magnitude) >> 31 is 1 where magnitude > limit (both below 2^31): infinities and
            // NaNs, and with the sign bit, negative values other than -0.
            invalid |= (0x7F7F_FFFF &- magnitude) &>> 31
            invalid |= (bits &>> 31) & ((0 &- magnitude) &>> 31)
            k &+= 8
        }
        var found = invalid != .zero
        while !found && k < count {
            found = !(values[k].isFinite && values[k] >= 0)
            k &+= 1
        }
        guard found else { return nil }
        var first = 0
        while values[first].isFinite && values[first] >= 0 { first &+= 1 }
        return first
    }

    /// The error for the invalid probability at plane offset `offset`.
    private func invalidProbability(_ planes: UnsafePointer<Float>, at offset: Int) -> CRFError {
        let p = offset % pixelCount
        return .invalidProbability(label: offset / pixelCount, x: p % width, y: p / width, value: planes[offset])
    }

    /// DenseCRF's symmetric normalization of kernel `kernel` and the filtered normalized ones.
    private func normalize(kernel: Int, pool: WorkerPoolReference) {
        let n = pixelCount
        let ones = kernelInput, filtered = kernelOutput
        ones.update(repeating: 1, count: n)
        filter(kernel: kernel, input: ones, output: filtered, channels: 1, pool: pool)
        let norm = normalization + kernel &* n
        for p in 0..<n { norm[p] = 1 / (filtered[p] + 1e-20).squareRoot() }
        filter(kernel: kernel, input: norm, output: filtered, channels: 1, pool: pool)
        let total = normalizedOnes + kernel &* n
        for p in 0..<n { total[p] = norm[p] * filtered[p] }
    }

    private func filter(kernel: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, channels: Int, pool: WorkerPoolReference) {
        splatAndBlur(kernel: kernel, input: input, channels: channels, pool: pool)
        filterOutput = output
        runStep(CRFStep.slice, units: units(pixelCount), pool: pool)
    }

    /// Kernel `kernel`'s `Float16` input row of pixel `p` (see `kernelInput`).
    @inline(__always)
    private func halfInputRow(kernel: Int, pixel p: Int) -> UnsafeMutablePointer<Float16> {
        UnsafeMutableRawPointer(kernelInput + kernel &* pixelCount &* channelStride)
            .assumingMemoryBound(to: Float16.self) + p &* channelStride
    }

    /// The lattice phases of `filter` before the slice; with `halfPrecision` the input is the
    /// kernel's `Float16` rows.
    private func splatAndBlur(kernel: Int, input: UnsafePointer<Float>, channels: Int, halfPrecision: Bool = false, pool: WorkerPoolReference) {
        let lattice = lattices[kernel]
        activeKernel = kernel
        filterInput = input
        filterInputIsHalf = halfPrecision
        lattice.prepare(channels: channels, halfPrecision: halfPrecision)
        runStep(CRFStep.splat, units: units(lattice.vertexCount), pool: pool)
        blur(kernel: kernel, pool: pool)
    }

    /// The blur of `splatAndBlur`, of the values splatted or scattered onto the kernel's lattice.
    private func blur(kernel: Int, pool: WorkerPoolReference) {
        let lattice = lattices[kernel]
        activeKernel = kernel
        for axis in 0...lattice.dimensions {
            blurAxis = axis
            runStep(CRFStep.blur, units: units(lattice.vertexCount), pool: pool)
            lattice.finishBlurAxis()
        }
    }

    @inline(__always)
    private func units(_ count: Int) -> Int { (count &+ DenseCRF.block &- 1) / DenseCRF.block }

    private func runStep(_ step: Int, units: Int, pool: WorkerPoolReference) {
        #if !hasFeature(Embedded)
        if let pool {
            pool.run(step: step)
            return
        }
        #endif
        run(step: step, units: 0..<units, thread: 0)
    }

    // MARK: PartitionedWork

    /// 0: the phases depend on each other's state (the lattice, the axis, the iteration), so
    /// `infer` and `setImage` drive them one by one and `WorkerPool.run()` has nothing to run.
    public var stepCount: Int { 0 }

    public func unitCount(_ index: Int) -> Int {
        switch index {
        case CRFStep.splat, CRFStep.blur: return units(lattices[activeKernel].vertexCount)
        default: return units(pixelCount)
        }
    }

    public func run(step index: Int, units: Range<Int>, thread: Int) {
        let first = units.lowerBound &* DenseCRF.block
        let lattice = lattices[activeKernel]
        switch index {
        case CRFStep.splat:
            let vertices = first..<min(lattice.vertexCount, units.upperBound &* DenseCRF.block)
            if filterInputIsHalf {
                lattice.splat(input: UnsafeRawPointer(filterInput).assumingMemoryBound(to: Float16.self), vertices: vertices)
            } else {
                lattice.splat(input: filterInput, vertices: vertices)
            }
        case CRFStep.blur:
            lattice.blur(axis: blurAxis, vertices: first..<min(lattice.vertexCount, units.upperBound &* DenseCRF.block))
        case CRFStep.slice:
            lattice.slice(output: filterOutput, points: first..<min(pixelCount, units.upperBound &* DenseCRF.block))
        default:
            let pixels = first..<min(pixelCount, units.upperBound &* DenseCRF.block)
            if twoLabelPotts {
                let buffers = TwoLabelBuffers(
                    normalization: normalization, normalizedOnes: normalizedOnes, output: kernelOutput, input: kernelInput,
                    prior0: prior, prior1: prior + pixelCount, mask: maskOutput!, refined: refinedOutput)
                updateTwoLabels(pixels: pixels, weights: (pottsWeights[0], pottsWeights[1]), withMessages: index == CRFStep.update,
                                last: lastIteration, buffers: buffers)
            } else {
                update(pixels: pixels, thread: thread, withMessages: index == CRFStep.update)
            }
        }
    }

    /// One mean-field update of `pixels`, `updateBlock` pixels at a time: slices both kernels'
    /// messages (one pixel at a time, so that they are used at once instead of stored and read back)
    /// into the pairwise energies, then `Q = prior * exp(energy) / Z`, then writes the next kernel
    /// inputs, or on the last iteration the mask and the refined probabilities. Each phase runs over
    /// the whole block, so that the pixels' independent chains of dependent operations overlap in
    /// the processor instead of waiting on each other. The vector paths write the scratch rows only
    /// with whole 8-lane stores before reading them 8 lanes at a time: a wide load of a narrow
    /// store's bytes stalls store forwarding.
    private func update(pixels: Range<Int>, thread: Int, withMessages: Bool) {
        var first = pixels.lowerBound
        while first < pixels.upperBound {
            let block = first..<min(first &+ DenseCRF.updateBlock, pixels.upperBound)
            if withMessages { addMessages(pixels: block, thread: thread) } else { clearEnergies(pixels: block, thread: thread) }
            exponentiate(pixels: block, thread: thread)
            writeUpdate(pixels: block, thread: thread)
            first = block.upperBound
        }
    }

    /// Pixels per phase of `update`: their scratch rows stay in the L1 cache.
    private static let updateBlock = 16

    /// The scratch of `thread`: per pixel of a block its energies, later its unnormalized `Q`
    /// (`scratchStride` floats each), then `1 / Z` per pixel, the messages, and the two kernels'
    /// sliced rows (`scratchStride` floats each, room for whole 8-lane groups of the channels).
    @inline(__always)
    private func scratch(_ thread: Int) -> (energies: UnsafeMutablePointer<Float>, inverses: UnsafeMutablePointer<Float>,
                                           messages: UnsafeMutablePointer<Float>, sliced: UnsafeMutablePointer<Float>) {
        let base = threadScratch + thread &* threadScratchStride
        let energies = base, inverses = base + DenseCRF.updateBlock &* scratchStride
        let messages = inverses + DenseCRF.updateBlock
        return (energies, inverses, messages, messages + scratchStride)
    }

    private func clearEnergies(pixels: Range<Int>, thread: Int) {
        let energies = scratch(thread).energies
        energies.update(repeating: 0, count: pixels.count &* scratchStride)
    }

    /// The pairwise energies of `pixels`: both kernels' messages times their compatibilities.
    private func addMessages(pixels: Range<Int>, thread: Int) {
        let n = pixelCount, l = labels, c = channels, padded = scratchStride
        let (energies, _, messages, sliced) = scratch(thread)
        let vectorRows = channelStride & 3 == 0
        let potts = (compatibility[0] == nil, compatibility[1] == nil)
        let kernels = (lattices[0], lattices[1])
        var channelTail = SIMD8<Float>(repeating: 1)
        for lane in 0..<8 where c & 7 != 0 && lane >= c & 7 { channelTail[lane] = 0 }
        // Adds the last label's message, which follows the channels, to its lane alone.
        var lastLabelLane = SIMD8<Float>(repeating: 0)
        lastLabelLane[c & 7] = 1
        let lastLabelBlock = c & ~7
        withRowWidth(channelStride) { cs in
            for p in pixels {
                let energy = energies + (p &- pixels.lowerBound) &* padded
                for k in stride(from: 0, to: padded, by: 8) { store8(SIMD8(repeating: 0), energy + k) }
                for kernel in 0..<2 {
                    let norm = normalization[kernel &* n &+ p]
                    let output = sliced + kernel &* padded
                    (kernel == 0 ? kernels.0 : kernels.1).slice(point: p, into: output, channels: cs, wholeGroups: true)
                    if vectorRows && (kernel == 0 ? potts.0 : potts.1) {
                        // The messages 8 labels at a time (the groups of the channels, padded to 4, are
                        // those of the channels); lanes past the channels count as 0.
                        let weight = pottsWeights[kernel]
                        let norm8 = SIMD8<Float>(repeating: norm), weight8 = SIMD8<Float>(repeating: weight)
                        var sent = SIMD8<Float>(repeating: 0)
                        for k in stride(from: 0, to: cs, by: 8) {
                            var message = norm8 * load8(output + k)
                            if k &+ 8 > c { message = message * channelTail }
                            sent = sent + message
                            store8(load8(energy + k) + weight8 * message, energy + k)
                        }
                        let rest = SIMD8(repeating: weight * (normalizedOnes[kernel &* n &+ p] - laneSum(sent)))
                        store8(load8(energy + lastLabelBlock) + lastLabelLane * rest, energy + lastLabelBlock)
                        continue
                    }
                    var rest = normalizedOnes[kernel &* n &+ p]
                    for label in 0..<c {
                        let message = norm * output[label]
                        messages[label] = message
                        rest -= message
                    }
                    messages[c] = rest
                    if let matrix = compatibility[kernel] {
                        for label in 0..<l {
                            let row = matrix + label &* l
                            var sum: Float = 0
                            for other in 0..<l { sum += row[other] * messages[other] }
                            energy[label] += sum
                        }
                    } else {
                        let weight = pottsWeights[kernel]
                        for label in 0..<l { energy[label] += weight * messages[label] }
                    }
                }
            }
        }
    }

    /// Replaces the energies of `pixels` with `prior * exp(energy - max)` and stores `1 / Z`: first
    /// every pixel's maximum, then every exponential, then every sum, as loops whose iterations do
    /// not wait on each other (a pixel's maximum, exponentials and sum are one long chain of
    /// dependent operations).
    private func exponentiate(pixels: Range<Int>, thread: Int) {
        let l = labels, padded = scratchStride, count = pixels.count
        let (energies, inverses, _, _) = scratch(thread)
        var labelPenalty = SIMD8<Float>(repeating: 0)
        for lane in 0..<8 where l & 7 != 0 && lane >= l & 7 { labelPenalty[lane] = -.infinity }
        let lastBlock = padded &- 8
        // The maxima go where the sums go later.
        let highest = inverses
        for i in 0..<count {
            let energy = energies + i &* padded
            // Lanes past the labels count as -infinity.
            var top = load8(energy + lastBlock) + labelPenalty
            for k in stride(from: 0, to: lastBlock, by: 8) {
                let lanes = load8(energy + k)
                top = top.replacing(with: lanes, where: lanes .> top)
            }
            highest[i] = laneMax(top)
        }
        // Lanes past the labels count as -infinity, so their exponentials are e^-87 (see `crfExp`),
        // which the sums do not notice.
        for i in 0..<count {
            let energy = energies + i &* padded
            let shift = SIMD8<Float>(repeating: highest[i])
            let row = prior + (pixels.lowerBound &+ i) &* l
            for k in stride(from: 0, to: lastBlock, by: 8) {
                store8(load8(row + k) * crfExp(load8(energy + k) - shift), energy + k)
            }
            let lanes = (load8(energy + lastBlock) - shift) + labelPenalty
            store8(load8(row + lastBlock) * crfExp(lanes), energy + lastBlock)
        }
        if channelStride & 3 == 0 {
            for i in 0..<count {
                let q = energies + i &* padded
                var sums = load8(q)
                for k in stride(from: 8, to: padded, by: 8) { sums = sums + load8(q + k) }
                inverses[i] = 1 / laneSum(sums)
            }
        } else {
            // The scalar paths add the labels one by one.
            for i in 0..<count {
                let q = energies + i &* padded
                var sum: Float = 0
                for label in 0..<l { sum += q[label] }
                inverses[i] = 1 / sum
            }
        }
    }

    /// The next kernel inputs of `pixels` (scattered onto the lattices or stored for the splat), or
    /// on the last iteration their labels and refined probabilities.
    private func writeUpdate(pixels: Range<Int>, thread: Int) {
        let n = pixelCount, l = labels, padded = scratchStride
        let (energies, inverses, messages, _) = scratch(thread)
        if lastIteration {
            for p in pixels {
                let i = p &- pixels.lowerBound
                let q = energies + i &* padded
                var best = 0
                var bestValue = q[0]
                for label in 1..<l where q[label] > bestValue {
                    best = label
                    bestValue = q[label]
                }
                maskOutput![p] = UInt8(truncatingIfNeeded: best)
                if let refined = refinedOutput {
                    let inverse = inverses[i]
                    for label in 0..<l { refined[label &* n &+ p] = q[label] * inverse }
                }
            }
            return
        }
        let scatters = updateScatters
        let kernels = (lattices[0], lattices[1])
        // Lanes past the channels carry finite values nobody reads.
        withRowWidth(channelStride) { cs in
            for p in pixels {
                let i = p &- pixels.lowerBound
                let q = energies + i &* padded, inverse = inverses[i]
                for kernel in 0..<2 {
                    let scale = normalization[kernel &* n &+ p] * inverse
                    if kernel == 0 ? scatters.0 : scatters.1 {
                        // A scattered input goes through the scratch, once for all its vertices.
                        storeScaledRow(messages, q, scale: scale, cs)
                        (kernel == 0 ? kernels.0 : kernels.1).scatter(point: p, row: messages, channels: cs)
                    } else if halfPrecisionRows {
                        storeScaledRow(halfInputRow(kernel: kernel, pixel: p), q, scale: scale, cs)
                    } else {
                        storeScaledRow(kernelInput + (kernel &* n &+ p) &* cs, q, scale: scale, cs)
                    }
                }
            }
        }
    }
}

/// The pool a hosted caller passes to share the CRF's phases among threads; Embedded builds run on
/// the caller's thread.
#if hasFeature(Embedded)
public typealias WorkerPoolReference = Never?
#else
public typealias WorkerPoolReference = WorkerPool?
#endif

/// Step numbers of `DenseCRF` as `PartitionedWork`.
enum CRFStep {
    static let splat = 0
    static let blur = 1
    static let slice = 2
    static let update = 3
    static let finishWithoutIterations = 4
}

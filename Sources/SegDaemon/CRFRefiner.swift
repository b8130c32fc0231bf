import SegCRF
import SegCapture
import SegConfig
import SegKernels
import SegRuntime

/// The `[crf]` stage of the inference thread: refines a frame's mask with a DenseCRF at the
/// configured size. The CRF's probabilities are the softmax of the executor's logits (dequantized
/// when int8), resized bilinearly when the CRF size differs from the logits'; its image is the
/// model's input turned back into 8-bit RGB (`InputColourTable`), resized bilinearly likewise; its
/// mask is resized back (nearest neighbour) to the model's mask size, which the ring and socket
/// advertise. Every buffer is allocated at init, so `refine` allocates nothing once the CRF's
/// lattice has grown to the frames' colour variety. Used by one thread.
final class CRFRefiner {
    /// The size the CRF runs at.
    let width: Int
    let height: Int
    /// Run on every Nth frame (`[crf] every_nth_frame`).
    let everyNthFrame: Int
    /// `161x161, 5 iterations, every frame`: for the log and the status.
    let summary: String

    private let crf: DenseCRF
    private let pool: WorkerPool?
    private let labels: Int
    private let logitPixelCount: Int
    /// For int8 logits; float logits go through `planarSoftmax`, with `floatSoftmax` (empty for
    /// int8 logits) holding its pixel-major result.
    private let softmax: DequantizedSoftmax?
    private let floatSoftmax: AlignedBuffer
    /// Planar probabilities at the logits' size, and at the CRF size (the same buffer when the
    /// sizes agree).
    private let probabilities: AlignedBuffer
    private let crfProbabilities: AlignedBuffer
    private let probabilityResize: ResizeGeometry?
    /// The model input at the CRF size, when it differs from the input's.
    private let inputResize: ResizeBilinear?
    private let inputResizeWorkspace: AlignedBuffer
    private let resizedInput: AlignedBuffer
    private let colours: InputColourTable
    private let rgb: AlignedBuffer
    /// The CRF's mask, and the published one at the model's mask size (the same buffer when the
    /// sizes agree).
    private let crfMask: AlignedBuffer
    private let mask: AlignedBuffer
    private let maskResize: ResizeNearest?

    /// A CRF for `program`'s logits and `layout`'s input as `section` configures it, sharing its
    /// work among `threads` threads (the caller's and `threads - 1` workers).
    init(_ section: CRFSection, program: NetworkProgram, layout: ModelInputLayout, threads: Int) throws(DaemonError) {
        let logits = program.tensors[program.logits], maskDims = program.tensors[program.mask].dims
        width = section.width == 0 ? maskDims.width : section.width
        height = section.height == 0 ? maskDims.height : section.height
        everyNthFrame = section.everyNthFrame
        summary = "\(width)x\(height), \(section.iterations) iterations, "
            + (section.everyNthFrame == 1 ? "every frame" : "every \(section.everyNthFrame) frames")
        labels = logits.dims.channels
        logitPixelCount = logits.dims.pixelCount
        let pixelCount = width * height
        do {
            crf = try DenseCRF(
                width: width, height: height, labels: labels, parameters: crfParameters(section), threadCount: threads,
                latticePrecision: crfLatticePrecision(section))
        } catch {
            throw DaemonError("crf: \(error)")
        }
        pool = threads > 1 ? WorkerPool(work: crf, threadCount: threads) : nil
        do throws(KernelConfigurationError) {
            softmax = logits.elementType == .int8
                ? try DequantizedSoftmax(
                    pixelCount: logitPixelCount, channels: labels, scale: logits.scale, pixelStride: 1, channelStride: logitPixelCount)
                : nil
            floatSoftmax = AlignedBuffer(byteCount: softmax == nil ? logitPixelCount * labels * 4 : 0)
            probabilities = AlignedBuffer(byteCount: logitPixelCount * labels * 4)
            if logits.dims.width == width && logits.dims.height == height {
                probabilityResize = nil
                crfProbabilities = probabilities
            } else {
                let geometry = ResizeGeometry(
                    batch: labels, inputHeight: logits.dims.height, inputWidth: logits.dims.width, channels: 1, outputHeight: height,
                    outputWidth: width)
                try geometry.validate()
                probabilityResize = geometry
                crfProbabilities = AlignedBuffer(byteCount: pixelCount * labels * 4)
            }
            if layout.width == width && layout.height == height {
                inputResize = nil
            } else {
                inputResize = try ResizeBilinear(
                    ResizeGeometry(inputHeight: layout.height, inputWidth: layout.width, channels: 3, outputHeight: height, outputWidth: width),
                    coordinateMode: .halfPixel)
            }
            inputResizeWorkspace = AlignedBuffer(byteCount: inputResize?.workspaceByteCount ?? 0)
            resizedInput = AlignedBuffer(byteCount: inputResize == nil ? 0 : pixelCount * 3)
            mask = AlignedBuffer(byteCount: maskDims.elementCount)
            if maskDims.width == width && maskDims.height == height {
                maskResize = nil
                crfMask = mask
            } else {
                maskResize = try ResizeNearest(
                    ResizeGeometry(inputHeight: height, inputWidth: width, channels: 1, outputHeight: maskDims.height, outputWidth: maskDims.width),
                    coordinateMode: .halfPixel, nearestMode: .roundPreferFloor)
                crfMask = AlignedBuffer(byteCount: pixelCount)
            }
        } catch {
            throw DaemonError("crf: \(width)x\(height): \(error)")
        }
        colours = InputColourTable(layout)
        rgb = AlignedBuffer(byteCount: pixelCount * 3)
    }

    /// The refined mask of the frame whose model input is `input`, from the logits the executor
    /// left at `logits`; valid until the next `refine`. Throws only on probabilities the CRF
    /// refuses (NaN), which softmax never gives.
    func refine(input: UnsafePointer<Int8>, logits: UnsafeRawPointer) throws(CRFError) -> UnsafePointer<UInt8> {
        let pixelCount = width * height
        let planes = probabilities.typed(Float.self, count: logitPixelCount * labels)
        if let softmax {
            softmax.run(input: logits.assumingMemoryBound(to: Int8.self), output: planes)
        } else {
            planarSoftmax(logits.assumingMemoryBound(to: Float.self), into: planes)
        }
        let crfPlanes = crfProbabilities.typed(Float.self, count: pixelCount * labels)
        if let probabilityResize {
            resizeBilinearFloat(probabilityResize, coordinateMode: .halfPixel, input: planes, output: crfPlanes)
        }
        var image = input
        if let inputResize {
            let resized = resizedInput.typed(Int8.self, count: pixelCount * 3)
            inputResize.run(input: input, output: resized, workspace: inputResizeWorkspace.pointer, outputRows: 0..<inputResize.outputRowCount)
            image = UnsafePointer(resized)
        }
        let colour = rgb.typed(UInt8.self, count: pixelCount * 3)
        colours.convert(image, pixelCount: pixelCount, into: colour)
        try crf.setImage(UnsafeBufferPointer(start: colour, count: pixelCount * 3), pool: pool)
        let labelled = crfMask.typed(UInt8.self, count: pixelCount)
        try crf.infer(
            probabilities: UnsafeBufferPointer(start: crfPlanes, count: pixelCount * labels),
            mask: UnsafeMutableBufferPointer(start: labelled, count: pixelCount), pool: pool)
        if let maskResize {
            maskResize.run(input: crfMask.typed(Int8.self, count: pixelCount), output: mask.typed(Int8.self, count: mask.byteCount))
        }
        return UnsafePointer(mask.typed(UInt8.self, count: mask.byteCount))
    }

    /// Softmax over the channels of each pixel of NHWC float logits, written as planes.
    private func planarSoftmax(_ logits: UnsafePointer<Float>, into planes: UnsafeMutablePointer<Float>) {
        let n = logitPixelCount
        let pixelMajor = floatSoftmax.typed(Float.self, count: n * labels)
        softmaxFloat(pixelCount: n, channels: labels, input: logits, output: pixelMajor)
        for p in 0..<n {
            for c in 0..<labels { planes[c &* n &+ p] = pixelMajor[p &* labels &+ c] }
        }
    }
}

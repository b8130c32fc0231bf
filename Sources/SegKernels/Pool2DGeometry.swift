/// The shape of a 2-D pooling window sliding over an NHWC int8 tensor
/// `[batch][inputHeight][inputWidth][channels]`, giving `[batch][outputHeight][outputWidth][channels]`.
///
/// Output row `oy` pools input rows `oy * strideHeight - padTop ..< ... + kernelHeight` (columns
/// alike). Padding is explicit per side; padded positions never enter a max and, for averages,
/// only count when asked to (`countIncludePad`). With `ceilMode` (Caffe / ONNX `ceil_mode`) the
/// output size rounds up, and the last window may reach past the bottom / right padding: that
/// overhang is neither input nor padding and is ignored. A window lying entirely in padding is
/// refused by `validate()` instead of being dropped or filled.
public struct Pool2DGeometry: Equatable, Sendable {
    public var batch: Int
    public var inputHeight: Int
    public var inputWidth: Int
    public var channels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideHeight: Int
    public var strideWidth: Int
    public var padTop: Int
    public var padLeft: Int
    public var padBottom: Int
    public var padRight: Int
    public var ceilMode: Bool

    public init(
        batch: Int = 1, inputHeight: Int, inputWidth: Int, channels: Int,
        kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1,
        padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0, ceilMode: Bool = false
    ) {
        self.batch = batch
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.channels = channels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padTop = padTop
        self.padLeft = padLeft
        self.padBottom = padBottom
        self.padRight = padRight
        self.ceilMode = ceilMode
    }

    public var outputHeight: Int { outputExtent(inputHeight + padTop + padBottom, kernelHeight, strideHeight) }
    public var outputWidth: Int { outputExtent(inputWidth + padLeft + padRight, kernelWidth, strideWidth) }

    public var taps: Int { kernelHeight * kernelWidth }
    public var inputElementCount: Int { batch * inputHeight * inputWidth * channels }
    public var outputElementCount: Int { batch * outputHeight * outputWidth * channels }

    private func outputExtent(_ padded: Int, _ kernel: Int, _ stride: Int) -> Int {
        let span = padded - kernel
        return (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
    }

    /// The input rows output row `oy` reads (its window clipped to the input).
    @inline(__always)
    func inputRows(_ oy: Int) -> Range<Int> {
        clip(oy &* strideHeight &- padTop, kernelHeight, 0, inputHeight)
    }

    /// The input columns output column `ox` reads (its window clipped to the input).
    @inline(__always)
    func inputColumns(_ ox: Int) -> Range<Int> {
        clip(ox &* strideWidth &- padLeft, kernelWidth, 0, inputWidth)
    }

    /// The rows of output row `oy`'s window inside the padded input (what `countIncludePad` counts).
    @inline(__always)
    func paddedRows(_ oy: Int) -> Range<Int> {
        clip(oy &* strideHeight &- padTop, kernelHeight, 0 &- padTop, inputHeight &+ padBottom)
    }

    /// The columns of output column `ox`'s window inside the padded input.
    @inline(__always)
    func paddedColumns(_ ox: Int) -> Range<Int> {
        clip(ox &* strideWidth &- padLeft, kernelWidth, 0 &- padLeft, inputWidth &+ padRight)
    }

    @inline(__always)
    private func clip(_ start: Int, _ kernel: Int, _ low: Int, _ high: Int) -> Range<Int> {
        max(start, low) ..< min(start &+ kernel, high)
    }

    /// Refuses shapes the pooling kernels cannot take, naming the parameter.
    public func validate() throws(KernelConfigurationError) {
        try require(batch >= 1, "batch", "must be at least 1, got \(batch)")
        try require(inputHeight >= 1, "inputHeight", "must be at least 1, got \(inputHeight)")
        try require(inputWidth >= 1, "inputWidth", "must be at least 1, got \(inputWidth)")
        try require(channels >= 1, "channels", "must be at least 1, got \(channels)")
        try require((1...16).contains(kernelHeight), "kernelHeight", "must be in 1...16, got \(kernelHeight)")
        try require((1...16).contains(kernelWidth), "kernelWidth", "must be in 1...16, got \(kernelWidth)")
        try require((1...16).contains(strideHeight), "strideHeight", "must be in 1...16, got \(strideHeight)")
        try require((1...16).contains(strideWidth), "strideWidth", "must be in 1...16, got \(strideWidth)")
        // A pad as large as the kernel would put the first (or, without ceilMode, last) window
        // entirely in padding.
        try require((0..<kernelHeight).contains(padTop), "padTop", "must be in 0...\(kernelHeight - 1) (below kernelHeight), got \(padTop)")
        try require((0..<kernelWidth).contains(padLeft), "padLeft", "must be in 0...\(kernelWidth - 1) (below kernelWidth), got \(padLeft)")
        try require((0..<kernelHeight).contains(padBottom), "padBottom", "must be in 0...\(kernelHeight - 1) (below kernelHeight), got \(padBottom)")
        try require((0..<kernelWidth).contains(padRight), "padRight", "must be in 0...\(kernelWidth - 1) (below kernelWidth), got \(padRight)")
        try require(
            inputHeight + padTop + padBottom >= kernelHeight, "kernelHeight",
            "\(kernelHeight) is taller than the padded input (\(inputHeight + padTop + padBottom) rows)")
        try require(
            inputWidth + padLeft + padRight >= kernelWidth, "kernelWidth",
            "\(kernelWidth) is wider than the padded input (\(inputWidth + padLeft + padRight) columns)")
        // Only a rounded-up output size can start a window past the last input row or column.
        let lastRow = (outputHeight - 1) * strideHeight - padTop
        try require(
            lastRow < inputHeight, "ceilMode",
            "the last output row's window starts at input row \(lastRow), past the input (\(inputHeight) rows)")
        let lastColumn = (outputWidth - 1) * strideWidth - padLeft
        try require(
            lastColumn < inputWidth, "ceilMode",
            "the last output column's window starts at input column \(lastColumn), past the input (\(inputWidth) columns)")
    }
}

/// Whether pooling down columns first takes fewer steps per output than the direct window: it
/// does once rows overlap enough to amortize the extra pass (3x3 and 5x5 at stride 1, not 2x2 or
/// 3x3 at stride 2).
func prefersSeparablePooling(_ g: Pool2DGeometry) -> Bool {
    g.kernelHeight * g.strideWidth + g.kernelWidth + 1 < g.kernelHeight * g.kernelWidth
}

/// Folds `accumulate` over a window of `rowCount` x `columnCount` taps from `corner` (rows
/// `rowBytes` apart, columns `columnBytes` apart), loading a `V` at each tap: the inner loop of
/// every pooling pass.
@inline(__always)
func reduceWindow<V: BitwiseCopyable, A>(
    _ corner: UnsafeRawPointer, rowCount: Int, rowBytes: Int, columnCount: Int, columnBytes: Int,
    _ initial: A, _ accumulate: (A, V) -> A
) -> A {
    var result = initial
    var line = corner
    var r = 0
    while r < rowCount {
        var tap = line
        var k = 0
        while k < columnCount {
            result = accumulate(result, tap.loadUnaligned(as: V.self))
            tap += columnBytes
            k &+= 1
        }
        line += rowBytes
        r &+= 1
    }
    return result
}

import SegKernels

/// Camera frame -> model input: the V4L2 formats segd captures, into the 321x321 input of
/// DeepLab-LargeFOV-lite / RefineNet-lite, and a 720p frame letterboxed into a 513x513 input.
/// Small scale: frames and outputs a quarter as wide and high.
var pixelConversionWorkloads: [WorkloadRecipe] {
    [
        pixelConversion("pixels-yuyv-640x480-321", "YUYV -> RGB, ImageNet normalization", .yuyv, 640, 480, 321),
        pixelConversion("pixels-nv12-640x480-321", "NV12 -> RGB, ImageNet normalization", .nv12, 640, 480, 321),
        pixelConversion(
            "pixels-rgb24-1280x720-513-letterbox", "RGB24 -> BGR letterboxed, ImageNet normalization", .rgb24, 1280, 720, 513,
            letterbox: true),
    ]
}

private func pixelConversion(
    _ name: String, _ note: String, _ format: PixelFormat, _ width: Int, _ height: Int, _ size: Int, letterbox: Bool = false
) -> WorkloadRecipe {
    WorkloadRecipe(name: name) { _, scale in
        let divisor = scale == .full ? 1 : 4
        let frameWidth = width / divisor, frameHeight = height / divisor, side = (size + divisor - 1) / divisor
        let destination = letterbox
            ? PixelRect.letterbox(contentWidth: frameWidth, contentHeight: frameHeight, outputWidth: side, outputHeight: side) : nil
        let g = PixelConversionGeometry(
            frame: FrameLayout(format: format, width: frameWidth, height: frameHeight), outputWidth: side, outputHeight: side,
            destination: destination, channelOrder: letterbox ? .bgr : .rgb)
        let normalization = PixelNormalization.imageNet(scale: 0.0186, zeroPoint: -14, padColor: SIMD3(124, 116, 104))
        guard let conversion = try? PixelConversion(g, normalization: normalization) else { return nil }
        var rng = BenchRandom(seed: 11)
        let frameBytes = frameHeight * g.frame.rowStride, chromaBytes = format == .nv12 ? frameHeight / 2 * g.frame.chromaRowStride : 0
        let frame = rng.buffer(count: frameBytes), chroma = rng.buffer(count: chromaBytes)
        let output = AlignedBuffer(byteCount: g.outputElementCount)
        let scratch = AlignedBuffer(byteCount: conversion.workspaceByteCount, tailPadding: 0)
        let framePointer = UnsafePointer(frame.typed(UInt8.self, count: frameBytes))
        let chromaPointer = UnsafePointer(chroma.typed(UInt8.self, count: chromaBytes))
        let outputPointer = output.typed(Int8.self, count: g.outputElementCount)
        let d = g.destination
        let detail = "\(note); \(format) \(frameWidth)x\(frameHeight) -> \(side)x\(side)x3"
            + (letterbox ? " (image \(d.width)x\(d.height) at \(d.x),\(d.y))" : "") + "; \(conversion.path) quantization"
        return KernelWorkload(
            name: name, kernel: "pixelConversion", detail: detail, macs: 0, outputElements: g.outputElementCount,
            buffers: [frame, chroma, output, scratch]
        ) {
            conversion.run(frame: framePointer, chroma: chromaPointer, output: outputPointer, workspace: scratch.pointer)
        }
    }
}

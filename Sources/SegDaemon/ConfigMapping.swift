import SegCapture
import SegCRF
import SegConfig
import SegKernels
import SegPublish
import SegRuntime

/// `[capture]` in SegCapture's terms.
public func frameSourceSettings(_ section: CaptureSection) throws(DaemonError) -> FrameSourceSettings {
    let kind: FrameSourceSettings.Kind
    switch section.source {
    case .v4l2:
        let request = CaptureRequest(
            encoding: RequestedEncoding(rawValue: section.format.rawValue)!, width: section.width, height: section.height, fps: section.fps)
        kind = .v4l2(device: section.device, request: request, buffers: section.buffers)
    case .replay:
        guard !section.replayPath.isEmpty else { throw DaemonError("capture.replay_path: source \"replay\" needs a file or folder") }
        kind = .replay(path: section.replayPath, fps: section.fps, loop: section.replayLoop)
    case .pattern:
        let format: CaptureFormat
        switch section.format {
        case .auto, .yuyv: format = .yuyv
        case .nv12: format = .nv12
        case .rgb: format = .rgb24
        case .mjpeg: throw DaemonError("capture.format: the pattern source makes yuyv, nv12 or rgb frames, not mjpeg")
        }
        kind = .pattern(format: format, width: section.width, height: section.height, fps: section.fps)
    }
    return FrameSourceSettings(
        kind: kind, stallMilliseconds: section.stallTimeoutMilliseconds,
        backoff: ReconnectBackoff(initialMilliseconds: section.reconnectInitialMilliseconds, maximumMilliseconds: section.reconnectMaximumMilliseconds))
}

/// The model's input as the camera conversion fills it: size, channel order, normalization and
/// int8 quantization from the compiled program.
public func modelInputLayout(_ program: NetworkProgram) throws(DaemonError) -> ModelInputLayout {
    let tensor = program.tensors[program.input]
    guard program.mean.count == 3, program.std.count == 3 else { throw DaemonError("\(program.modelName): the model's input is not an RGB image") }
    let normalization = PixelNormalization(
        mean: SIMD3(Double(program.mean[0]), Double(program.mean[1]), Double(program.mean[2])),
        std: SIMD3(Double(program.std[0]), Double(program.std[1]), Double(program.std[2])), scale: tensor.scale, zeroPoint: tensor.zeroPoint)
    return ModelInputLayout(width: tensor.dims.width, height: tensor.dims.height, channelOrder: .rgb, normalization: normalization)
}

/// What readers and subscribers are told about the model's masks.
public func publishedModel(_ program: NetworkProgram) -> PublishedModel {
    let dims = program.tensors[program.mask].dims
    return PublishedModel(modelID: program.modelName, classNames: program.classNames, maskWidth: dims.width, maskHeight: dims.height)
}

/// `[crf] lattice_precision` in SegCRF's terms.
public func crfLatticePrecision(_ section: CRFSection) -> LatticePrecision {
    switch section.latticePrecision {
    case .half: .half
    case .float: .float
    }
}

/// `[crf]` in SegCRF's terms: Potts compatibilities with the section's weights and deviations.
public func crfParameters(_ section: CRFSection) -> CRFParameters {
    CRFParameters(
        iterations: section.iterations,
        gaussian: GaussianKernelParameters(compatibility: .potts(weight: Float(section.gaussianWeight)), xyStd: Float(section.gaussianXYStd)),
        bilateral: BilateralKernelParameters(
            compatibility: .potts(weight: Float(section.bilateralWeight)), xyStd: Float(section.bilateralXYStd),
            rgbStd: Float(section.bilateralRGBStd)))
}

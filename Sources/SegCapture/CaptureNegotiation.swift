/// The encodings a configuration may ask a camera for.
public enum RequestedEncoding: String, Sendable, Equatable, CaseIterable {
    /// The best the device offers at the size: raw formats (no decoding) when they reach the
    /// rate, else MJPEG, else raw at a lower rate.
    case auto
    case yuyv, nv12, mjpeg
    /// RGB24 or BGR24, whichever the device has.
    case rgb

    func accepts(_ format: CaptureFormat) -> Bool {
        switch self {
        case .auto: true
        case .yuyv: format == .yuyv
        case .nv12: format == .nv12
        case .mjpeg: format == .mjpeg
        case .rgb: format == .rgb24 || format == .bgr24
        }
    }
}

/// What segd asks of a camera: encoding, exact size, and rate.
public struct CaptureRequest: Equatable, Sendable, CustomStringConvertible {
    public var encoding: RequestedEncoding
    /// Pixels; the device must offer exactly this size (segd never silently captures another).
    public var width: Int
    public var height: Int
    /// Frames per second; the offered rate nearest to it is used.
    public var fps: Double

    public init(encoding: RequestedEncoding, width: Int, height: Int, fps: Double) {
        self.encoding = encoding
        self.width = width
        self.height = height
        self.fps = fps
    }

    public var description: String { "\(encoding.rawValue) \(width)x\(height) @ \(formatRate(fps)) fps" }
}

/// The format, size and rate chosen from a device's offers.
public struct NegotiatedCapture: Equatable, Sendable {
    public var format: CaptureFormat
    public var width: Int
    public var height: Int
    /// The rate to set: the offered one nearest to the request (the request when the device lists
    /// no rates for the size).
    public var fps: Double

    public init(format: CaptureFormat, width: Int, height: Int, fps: Double) {
        self.format = format
        self.width = width
        self.height = height
        self.fps = fps
    }
}

/// Chooses what to capture from `offers` (a device's formats), or explains why nothing fits,
/// listing what the device offers. Emulated formats are never chosen.
public func negotiateCapture(_ request: CaptureRequest, offers: [FormatOffer], device: String) throws(CaptureError) -> NegotiatedCapture {
    let preference: [CaptureFormat] = [.yuyv, .nv12, .rgb24, .bgr24, .mjpeg]
    var best: (rank: (Int, Int), choice: NegotiatedCapture)?
    for offer in offers where !offer.emulated {
        guard let format = offer.format, request.encoding.accepts(format) else { continue }
        let (offered, rates) = offer.sizes.offers(width: request.width, height: request.height)
        guard offered else { continue }
        let reachesRate = rates.map { $0.fastest >= request.fps * 0.995 || $0 == .discrete([]) } ?? true
        let fps = rates.flatMap { $0 == .discrete([]) ? nil : $0.nearest(to: request.fps) } ?? request.fps
        let rank = (reachesRate ? 0 : 1, preference.firstIndex(of: format)!)
        if best == nil || rank < best!.rank {
            best = (rank, NegotiatedCapture(format: format, width: request.width, height: request.height, fps: fps))
        }
    }
    guard let choice = best?.choice else {
        throw CaptureError.unsupported(device: device, requested: request.description, offered: describeOffers(offers, convertibleOnly: true))
    }
    return choice
}

import CV4L2
import Glibc

/// Frame rates a device offers for one format and size, in frames per second.
public enum FrameRateOffer: Equatable, Sendable, CustomStringConvertible {
    /// These rates only, fastest first.
    case discrete([Double])
    /// Any rate in the range (stepwise or continuous frame intervals).
    case continuous(ClosedRange<Double>)

    /// Whether `fps` is offered (within 0.5%).
    public func offers(_ fps: Double) -> Bool {
        switch self {
        case .discrete(let rates): rates.contains { abs($0 - fps) <= fps * 0.005 }
        case .continuous(let range): range.lowerBound * 0.995 <= fps && fps <= range.upperBound * 1.005
        }
    }

    /// The offered rate closest to `fps`.
    public func nearest(to fps: Double) -> Double {
        switch self {
        case .discrete(let rates): rates.min { abs($0 - fps) < abs($1 - fps) } ?? fps
        case .continuous(let range): min(max(fps, range.lowerBound), range.upperBound)
        }
    }

    /// The fastest offered rate.
    public var fastest: Double {
        switch self {
        case .discrete(let rates): rates.max() ?? 0
        case .continuous(let range): range.upperBound
        }
    }

    public var description: String {
        switch self {
        case .discrete(let rates): rates.map(formatRate).joined(separator: ", ") + " fps"
        case .continuous(let range): "\(formatRate(range.lowerBound))...\(formatRate(range.upperBound)) fps"
        }
    }
}

/// Frame sizes a device offers for one format.
public enum FrameSizeOffer: Equatable, Sendable, CustomStringConvertible {
    /// These sizes, each with its frame rates.
    case discrete([(width: Int, height: Int, rates: FrameRateOffer)])
    /// Any size in the ranges on the steps (rates are asked for once a size is chosen).
    case stepwise(width: StrideThrough<Int>, height: StrideThrough<Int>)

    /// Whether `width x height` is offered; its rates when the device listed them.
    public func offers(width: Int, height: Int) -> (offered: Bool, rates: FrameRateOffer?) {
        switch self {
        case .discrete(let sizes):
            guard let size = sizes.first(where: { $0.width == width && $0.height == height }) else { return (false, nil) }
            return (true, size.rates)
        case .stepwise(let widths, let heights):
            return (widths.contains(width) && heights.contains(height), nil)
        }
    }

    public static func == (a: FrameSizeOffer, b: FrameSizeOffer) -> Bool {
        switch (a, b) {
        case (.discrete(let x), .discrete(let y)):
            x.count == y.count && zip(x, y).allSatisfy { $0.width == $1.width && $0.height == $1.height && $0.rates == $1.rates }
        case (.stepwise(let w1, let h1), .stepwise(let w2, let h2)):
            Array(w1) == Array(w2) && Array(h1) == Array(h2)
        default: false
        }
    }

    public var description: String {
        switch self {
        case .discrete(let sizes): sizes.map { "\($0.width)x\($0.height) (\($0.rates))" }.joined(separator: "; ")
        case .stepwise(let widths, let heights): "\(describe(widths)) x \(describe(heights))"
        }
    }

    private func describe(_ range: StrideThrough<Int>) -> String {
        let values = Array(range)
        guard let first = values.first, let last = values.last else { return "none" }
        return values.count > 1 ? "\(first)...\(last) step \(values[1] - first)" : "\(first)"
    }
}

/// One pixel format a device offers.
public struct FormatOffer: Equatable, Sendable, CustomStringConvertible {
    /// The V4L2 FOURCC (`YUYV`, `MJPG`).
    public var fourCC: String
    /// The driver's name for it.
    public var name: String
    /// The capture encoding segd converts it as; nil for formats segd does not take.
    public var format: CaptureFormat?
    /// Whether libv4l2 emulates it by converting another format (segd never asks for these: it
    /// converts the native format itself, in one pass).
    public var emulated: Bool
    public var sizes: FrameSizeOffer

    public init(fourCC: String, name: String, format: CaptureFormat?, emulated: Bool = false, sizes: FrameSizeOffer) {
        self.fourCC = fourCC
        self.name = name
        self.format = format
        self.emulated = emulated
        self.sizes = sizes
    }

    public var description: String {
        let tag = format.map { " [\($0)]" } ?? " [not supported by segd]"
        return "\(fourCC) (\(name))\(emulated ? " emulated by libv4l2" : "")\(tag): \(sizes)"
    }
}

/// What a V4L2 device node is and offers (`segctl devices`).
public struct V4L2DeviceDescription: Sendable, Equatable {
    public var path: String
    public var driver: String
    public var card: String
    public var busInfo: String
    /// Whether the node can stream video capture (the only kind segd uses).
    public var canStreamCapture: Bool
    /// Capture formats, native ones first as the driver lists them.
    public var formats: [FormatOffer]

    /// Asks the device at `path` what it is and what it offers.
    public static func query(path: String) throws(CaptureError) -> V4L2DeviceDescription {
        let device = try V4L2Device(path: path)
        return try query(device)
    }

    static func query(_ device: V4L2Device) throws(CaptureError) -> V4L2DeviceDescription {
        var capability = v4l2_capability()
        try device.control(SEGD_VIDIOC_QUERYCAP, "VIDIOC_QUERYCAP", &capability)
        let caps = capability.capabilities & UInt32(V4L2_CAP_DEVICE_CAPS) != 0 ? capability.device_caps : capability.capabilities
        let canStream = caps & UInt32(V4L2_CAP_VIDEO_CAPTURE) != 0 && caps & UInt32(V4L2_CAP_STREAMING) != 0
        var description = V4L2DeviceDescription(
            path: device.path, driver: cString(capability.driver), card: cString(capability.card),
            busInfo: cString(capability.bus_info), canStreamCapture: canStream, formats: [])
        if canStream { description.formats = try queryFormats(device) }
        return description
    }

    /// The description's formats as indented lines (`segctl devices`).
    public var formatList: String { describeOffers(formats, convertibleOnly: false) }

    private static func queryFormats(_ device: V4L2Device) throws(CaptureError) -> [FormatOffer] {
        var offers: [FormatOffer] = []
        var index: UInt32 = 0
        while true {
            var format = v4l2_fmtdesc()
            format.index = index
            format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            guard try device.enumerate(SEGD_VIDIOC_ENUM_FMT, "VIDIOC_ENUM_FMT", &format) else { break }
            index += 1
            offers.append(
                FormatOffer(
                    fourCC: fourCCString(format.pixelformat), name: cString(format.description),
                    format: captureFormat(fourCC: format.pixelformat),
                    emulated: format.flags & UInt32(V4L2_FMT_FLAG_EMULATED) != 0,
                    sizes: try querySizes(device, pixelFormat: format.pixelformat)))
        }
        return offers
    }

    private static func querySizes(_ device: V4L2Device, pixelFormat: UInt32) throws(CaptureError) -> FrameSizeOffer {
        var sizes: [(width: Int, height: Int, rates: FrameRateOffer)] = []
        var index: UInt32 = 0
        while true {
            var size = v4l2_frmsizeenum()
            size.index = index
            size.pixel_format = pixelFormat
            guard try device.enumerate(SEGD_VIDIOC_ENUM_FRAMESIZES, "VIDIOC_ENUM_FRAMESIZES", &size) else { break }
            index += 1
            if size.type == V4L2_FRMSIZE_TYPE_DISCRETE.rawValue {
                let width = Int(size.discrete.width), height = Int(size.discrete.height)
                sizes.append((width, height, try queryRates(device, pixelFormat: pixelFormat, width: width, height: height)))
            } else {
                let s = size.stepwise
                return .stepwise(
                    width: stride(from: Int(s.min_width), through: Int(s.max_width), by: max(1, Int(s.step_width))),
                    height: stride(from: Int(s.min_height), through: Int(s.max_height), by: max(1, Int(s.step_height))))
            }
        }
        return .discrete(sizes)
    }

    /// The frame rates of one format and size; an empty discrete list when the driver does not say.
    static func queryRates(_ device: V4L2Device, pixelFormat: UInt32, width: Int, height: Int) throws(CaptureError) -> FrameRateOffer {
        var rates: [Double] = []
        var index: UInt32 = 0
        while true {
            var interval = v4l2_frmivalenum()
            interval.index = index
            interval.pixel_format = pixelFormat
            interval.width = UInt32(width)
            interval.height = UInt32(height)
            guard try device.enumerate(SEGD_VIDIOC_ENUM_FRAMEINTERVALS, "VIDIOC_ENUM_FRAMEINTERVALS", &interval) else { break }
            index += 1
            if interval.type == V4L2_FRMIVAL_TYPE_DISCRETE.rawValue {
                if let rate = framesPerSecond(interval.discrete) { rates.append(rate) }
            } else {
                // Intervals min...max are rates max...min.
                guard let fastest = framesPerSecond(interval.stepwise.min), let slowest = framesPerSecond(interval.stepwise.max)
                else { break }
                return .continuous(min(slowest, fastest)...max(slowest, fastest))
            }
        }
        return .discrete(rates.sorted(by: >))
    }
}

/// Formats as indented lines, one per format. With `convertibleOnly` (for errors: a test driver
/// such as vivid offers dozens), formats segd does not take are named on one last line only.
func describeOffers(_ offers: [FormatOffer], convertibleOnly: Bool) -> String {
    guard !offers.isEmpty else { return "  (no capture formats)" }
    let shown = offers.filter { !convertibleOnly || ($0.format != nil && !$0.emulated) }
    var lines = shown.map { "  \($0)" }
    let others = offers.filter { offer in !shown.contains(offer) }
    if !others.isEmpty {
        lines.append("  and \(others.count) format\(others.count == 1 ? "" : "s") segd does not convert: " + others.map(\.fourCC).joined(separator: " "))
    }
    return lines.joined(separator: "\n")
}

/// Frames per second of a frame interval (seconds as a fraction); nil for a zero fraction.
func framesPerSecond(_ interval: v4l2_fract) -> Double? {
    guard interval.numerator > 0, interval.denominator > 0 else { return nil }
    return Double(interval.denominator) / Double(interval.numerator)
}

/// A rate without trailing zeros (30, 7.5, 29.97).
func formatRate(_ fps: Double) -> String {
    let rounded = (fps * 100).rounded() / 100
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
}

/// A fixed-size C char array (a V4L2 name field) as a String.
func cString<T>(_ field: T) -> String {
    withUnsafeBytes(of: field) { bytes in
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}

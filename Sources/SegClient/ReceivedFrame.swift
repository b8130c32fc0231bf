import SegPublish

/// A frame as a subscriber receives it: the header and the decoded mask.
public struct ReceivedFrame: Equatable, Sendable {
    public var header: FrameHeader
    /// `header.width` x `header.height` class ids, row-major (after the subscription's downscale).
    public var mask: [UInt8]

    public init(header: FrameHeader, mask: [UInt8]) {
        self.header = header
        self.mask = mask
    }

    /// Decodes a Frame message's data as its header says.
    public init(header: FrameHeader, data: [UInt8]) throws(ProtocolError) {
        let pixels = header.width * header.height
        switch header.encoding {
        case .raw:
            guard data.count == pixels else { throw ProtocolError.malformed(.frame, reason: "raw mask of \(data.count) bytes for \(header.width)x\(header.height)") }
            self.init(header: header, mask: data)
        case .runLength:
            self.init(header: header, mask: try RunLengthMask.decode(data, pixelCount: pixels))
        }
    }
}

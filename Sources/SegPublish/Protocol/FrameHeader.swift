/// The fixed 48-byte start of a Frame payload; the encoded mask (`dataLength` bytes) follows.
public struct FrameHeader: Equatable, Sendable {
    public var frameNumber: UInt64
    /// CLOCK_MONOTONIC nanoseconds of the camera capture.
    public var captureTimestampNanoseconds: UInt64
    public var inferenceNanoseconds: UInt64
    /// The size of this mask after downscaling, pixels.
    public var width: Int
    public var height: Int
    public var classCount: Int
    /// The encoding of the bytes that follow (may be raw although run-length was asked for).
    public var encoding: MaskEncoding
    public var downscale: Int
    /// Bytes of encoded mask after the header.
    public var dataLength: Int
    /// Frames this subscriber has lost to its full queue since it connected.
    public var queueDrops: UInt64

    public static let encodedLength = 48

    public init(frameNumber: UInt64, captureTimestampNanoseconds: UInt64, inferenceNanoseconds: UInt64, width: Int, height: Int, classCount: Int, encoding: MaskEncoding, downscale: Int, dataLength: Int, queueDrops: UInt64) {
        self.frameNumber = frameNumber
        self.captureTimestampNanoseconds = captureTimestampNanoseconds
        self.inferenceNanoseconds = inferenceNanoseconds
        self.width = width
        self.height = height
        self.classCount = classCount
        self.encoding = encoding
        self.downscale = downscale
        self.dataLength = dataLength
        self.queueDrops = queueDrops
    }

    func encode(_ writer: inout WireWriter) {
        writer.u64(frameNumber)
        writer.u64(captureTimestampNanoseconds)
        writer.u64(inferenceNanoseconds)
        writer.u32(UInt32(width))
        writer.u32(UInt32(height))
        writer.u16(UInt16(classCount))
        writer.u8(encoding.rawValue)
        writer.u8(UInt8(downscale))
        writer.u32(UInt32(dataLength))
        writer.u64(queueDrops)
    }

    static func decode(_ reader: inout WireReader) throws(ProtocolError) -> FrameHeader {
        let frameNumber = try reader.u64(), capture = try reader.u64(), inference = try reader.u64()
        let width = Int(try reader.u32()), height = Int(try reader.u32())
        let classCount = Int(try reader.u16())
        let encodingByte = try reader.u8(), downscale = Int(try reader.u8())
        let dataLength = Int(try reader.u32())
        let queueDrops = try reader.u64()
        guard let encoding = MaskEncoding(rawValue: encodingByte) else { throw reader.invalid("unknown mask encoding \(encodingByte)") }
        guard (1...WireFormat.maximumMaskSide).contains(width), (1...WireFormat.maximumMaskSide).contains(height), width * height <= WireFormat.maximumMaskPixels else {
            throw reader.invalid("mask geometry \(width)x\(height) is out of range")
        }
        guard dataLength <= reader.remaining else { throw reader.invalid("data length \(dataLength) but \(reader.remaining) bytes follow") }
        return FrameHeader(
            frameNumber: frameNumber, captureTimestampNanoseconds: capture, inferenceNanoseconds: inference, width: width, height: height,
            classCount: classCount, encoding: encoding, downscale: downscale, dataLength: dataLength, queueDrops: queueDrops)
    }
}

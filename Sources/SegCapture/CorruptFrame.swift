/// Why one frame was dropped: its bytes do not hold the image its source announced. A camera
/// produces these now and then (a USB transfer lost, a frame cut short); the stream goes on.
public enum CorruptFrame: Error, Equatable, Sendable, CustomStringConvertible {
    /// A raw frame smaller than its format needs.
    case short(byteCount: Int, needed: Int)
    /// An MJPEG frame that does not start with a JPEG start-of-image marker.
    case notJPEG
    /// An MJPEG frame with no end-of-image marker: cut short.
    case truncated
    /// A JPEG whose header libjpeg-turbo cannot read.
    case unreadableHeader
    /// A JPEG of another size than the stream's.
    case wrongSize(width: Int, height: Int)
    /// A JPEG whose compressed data libjpeg-turbo rejected (an error, or a warning such as
    /// corrupt Huffman data: a warning means some of the image is wrong).
    case undecodable

    public var description: String {
        switch self {
        case .short(let byteCount, let needed): "\(byteCount) bytes, the format needs \(needed)"
        case .notJPEG: "not a JPEG image (no start-of-image marker)"
        case .truncated: "JPEG image cut short (no end-of-image marker)"
        case .unreadableHeader: "unreadable JPEG header"
        case .wrongSize(let width, let height): "JPEG image of \(width)x\(height), not the stream's size"
        case .undecodable: "corrupt JPEG data"
        }
    }
}

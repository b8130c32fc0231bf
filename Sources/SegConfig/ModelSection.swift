/// `[model]`: which network the daemon runs.
public struct ModelSection: ConfigSection, Hashable {
    public static let name = "model"

    /// `path`: the ONNX model or compiled model file. Empty (the default) means none is
    /// configured; the daemon requires one, tools take it from the command line instead.
    public var path = ""

    public init() {}

    public mutating func read(from reader: inout SectionReader) throws(ConfigError) {
        try reader.read("path", into: &path)
    }
}

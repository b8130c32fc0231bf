/// `[engine]`: how the runtime executes the compiled model.
public struct EngineSection: ConfigSection, Hashable {
    public static let name = "engine"

    /// `threads`: worker threads for one inference, 1...64 (default 1).
    public var threads = 1
    /// `cache_dir`: folder for compiled models. Empty (the default) means the caller's default
    /// location (the daemon's state directory, or a per-user cache for tools).
    public var cacheDirectory = ""

    public init() {}

    public mutating func read(from reader: inout SectionReader) throws(ConfigError) {
        try reader.read("threads", into: &threads, in: 1...64)
        try reader.read("cache_dir", into: &cacheDirectory)
    }
}

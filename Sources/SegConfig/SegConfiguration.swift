/// The whole configuration file (`segd.toml`, documented key by key in `config/segd.toml`).
/// Every key has a default, so an empty file is valid; unknown sections and keys are refused.
public struct SegConfiguration: Hashable, Sendable {
    public var model = ModelSection()
    public var engine = EngineSection()
    public var quantization = QuantizationConfig()
    public var capture = CaptureSection()
    public var publish = PublishSection()
    public var crf = CRFSection()

    public init() {}

    /// Every key at its default.
    public static let defaults = SegConfiguration()

    /// Parses `text`. Errors name the key and the line, prefixed with `fileName`.
    public static func parse(_ text: String, fileName: String = "segd.toml") throws(ConfigError) -> SegConfiguration {
        do {
            var sections = SectionTables(root: try TOMLTable(parsing: text))
            var configuration = SegConfiguration()
            try sections.read(&configuration.model)
            try sections.read(&configuration.engine)
            try sections.read(&configuration.quantization)
            try sections.read(&configuration.capture)
            try sections.read(&configuration.publish)
            try sections.read(&configuration.crf)
            try sections.finish()
            return configuration
        } catch {
            var located = error
            located.fileName = fileName
            throw located
        }
    }
}

/// The document's top-level tables, handed to the `ConfigSection`s one by one; what none of
/// them claimed is refused by `finish()`.
struct SectionTables {
    let root: TOMLTable
    private var knownSections: [String] = []

    init(root: TOMLTable) {
        self.root = root
    }

    mutating func read<Section: ConfigSection>(_ section: inout Section) throws(ConfigError) {
        knownSections.append(Section.name)
        guard let value = root[Section.name] else { return }
        guard case .table(let table) = value.kind else {
            throw ConfigError(
                key: Section.name, line: value.line,
                message: "expected a table [\(Section.name)], got \(value.typeName) \(value.literal)")
        }
        var reader = SectionReader(section: Section.name, table: table)
        try section.read(from: &reader)
        try reader.finish()
    }

    func finish() throws(ConfigError) {
        for entry in root.entries where !knownSections.contains(entry.key) {
            var known = ""
            for name in knownSections {
                if !known.isEmpty { known += ", " }
                known += "[\(name)]"
            }
            let message = if case .table = entry.value.kind {
                "unknown section (known sections: \(known))"
            } else {
                "key outside any section (known sections: \(known))"
            }
            throw ConfigError(key: entry.key, line: entry.value.line, message: message)
        }
    }
}

/// Why the daemon could not start or apply a configuration: a message naming what is wrong
/// (the config key, the file, the device).
public struct DaemonError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

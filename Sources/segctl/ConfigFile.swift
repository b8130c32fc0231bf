import ArgumentParser
import SegConfig
import Glibc
import SegImageIO

/// The `--config FILE` every engine command takes: the parsed TOML, or the defaults.
func loadConfiguration(_ path: String?) throws -> SegConfiguration {
    guard let path else { return .defaults }
    let bytes = try ImageCodecs.readFile(path)
    guard let text = String(validating: bytes, as: UTF8.self) else { throw ValidationError("\(path): not UTF-8 text") }
    let fileName = path.split(separator: "/").last.map(String.init) ?? path
    return try SegConfiguration.parse(text, fileName: fileName)
}

/// Progress and cache messages go to stderr so that stdout stays machine-readable.
func note(_ message: String) {
    let line = Array((message + "\n").utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

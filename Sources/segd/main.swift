import Glibc
import SegDaemon

// segd [--config PATH]: the daemon (docs/daemon.md). Everything else is in SegDaemon.
let usage = "usage: segd [--config PATH]   (default /etc/segd/segd.toml)"
var arguments = CommandLine.arguments.dropFirst()
var configPath = "/etc/segd/segd.toml"
while let argument = arguments.popFirst() {
    switch argument {
    case "--config":
        guard let path = arguments.popFirst() else {
            DaemonLog.error(usage)
            exit(2)
        }
        configPath = path
    case "--help", "-h":
        print(usage)
        exit(0)
    default:
        DaemonLog.error("unknown argument \(argument)\n\(usage)")
        exit(2)
    }
}
Daemon.blockSignals()
do {
    let daemon = try Daemon(configPath: configPath)
    exit(daemon.run())
} catch {
    DaemonLog.error("segd cannot start: \(error)")
    exit(1)
}

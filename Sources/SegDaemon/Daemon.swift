import Glibc
import SegCapture
import SegCompiler
import SegConfig
import SegPublish
import SegRuntime

/// segd: reads the configuration, wires capture -> engine -> publish, tells systemd when it is
/// ready, pets the watchdog only while masks flow, reloads on SIGHUP (keeping the running
/// configuration when the new one is invalid) and shuts down cleanly on SIGTERM/SIGINT. The
/// main thread owns this object and handles signals and timers; the pipeline has its own
/// threads.
public final class Daemon {
    private let configPath: String
    private let notifier = SystemdNotifier()
    private let activatedSocket: Int32?
    private var configuration: SegConfiguration
    private var model: CompiledModel
    private var outlets: MaskOutlets
    private var pipeline: Pipeline
    /// Nil when systemd's watchdog is off.
    private var watchdog: WatchdogPacer?

    /// Loads `configPath` and brings everything up (model compiled or loaded from the cache, ring,
    /// socket, camera); throws a message naming what failed.
    public init(configPath: String) throws {
        self.configPath = configPath
        activatedSocket = SocketActivation.takeListeningSocket(named: "subscribers")
        configuration = try Daemon.load(configPath)
        model = try Daemon.compile(configuration)
        outlets = try Daemon.makeOutlets(configuration, model: model, activatedSocket: activatedSocket)
        pipeline = try Daemon.makePipeline(configuration, model: model, outlets: outlets)
    }

    /// Runs until SIGTERM/SIGINT (exit status 0), or until the pipeline fails (1) or a replay
    /// that does not loop ends (0). Signals must already be blocked in every thread
    /// (`blockSignals()` before anything starts threads).
    public func run() -> Int32 {
        pipeline.start()
        outlets.figures.setExtras(extras())
        notifier.notify("READY=1\nSTATUS=\(statusLine())")
        DaemonLog.info(
            "segd ready: \(pipeline.source.format), model \(model.program.modelName), \(configuration.engine.threads) thread(s), CRF \(pipeline.crfSummary)")
        var signals = Daemon.handledSignals()
        var lastStatus: UInt64 = 0
        watchdog = notifier.watchdogIntervalNanoseconds.map { WatchdogPacer(interval: $0, start: monotonicNanoseconds()) }
        while true {
            var timeout = timespec(tv_sec: 0, tv_nsec: 250_000_000)
            let signal = sigtimedwait(&signals, nil, &timeout)
            switch signal {
            case SIGTERM, SIGINT:
                notifier.notify("STOPPING=1\nSTATUS=stopping")
                DaemonLog.info("segd stopping (signal \(signal))")
                shutDown()
                return 0
            case SIGHUP:
                reload()
            default:
                break
            }
            switch pipeline.outcome {
            case .running: break
            case .finished:
                notifier.notify("STOPPING=1\nSTATUS=replay finished")
                shutDown()
                return 0
            case .failed(let reason):
                notifier.notify("STATUS=failed: \(reason)")
                shutDown()
                return 1
            }
            let now = monotonicNanoseconds()
            petWatchdogIfMasksFlow(now: now)
            if notifier.isActive && now &- lastStatus >= 2_000_000_000 {
                notifier.notify("STATUS=\(statusLine())")
                lastStatus = now
            }
        }
    }

    /// WATCHDOG=1 when `WatchdogPacer` says so.
    private func petWatchdogIfMasksFlow(now: UInt64, promptly: Bool = false) {
        if watchdog?.shouldPing(now: now, newestMask: pipeline.lastPublishNanoseconds, promptly: promptly) == true {
            notifier.notify("WATCHDOG=1")
        }
    }

    /// Blocks the signals the main loop takes with sigtimedwait, in this thread and every thread
    /// started after; SIGPIPE is ignored (sockets use MSG_NOSIGNAL, but be sure).
    public static func blockSignals() {
        var set = handledSignals()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    private static func handledSignals() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, signal) }
        return set
    }

    private func shutDown() {
        pipeline.stop()
        outlets.close()
        DaemonLog.info("segd stopped: \(outlets.figures.frames) masks published")
    }

    /// SIGHUP: the new configuration replaces the running one only when all of it is valid and
    /// everything it needs came up; otherwise the old one goes on.
    private func reload() {
        // A reload stops the pipeline for a while (a new camera setting, maybe a re-quantized
        // model): the masks of the old one still count, so the reload starts with a fresh period.
        petWatchdogIfMasksFlow(now: monotonicNanoseconds(), promptly: true)
        notifier.notifyReloading()
        DaemonLog.info("reloading \(configPath)")
        defer { notifier.notify("READY=1\nSTATUS=\(statusLine())") }
        let next: SegConfiguration
        do {
            next = try Daemon.load(configPath)
        } catch {
            DaemonLog.error("reload failed, keeping the running configuration: \(error)")
            return
        }
        guard next != configuration else {
            DaemonLog.info("configuration unchanged")
            return
        }
        var keepOutlets = true
        do {
            let sameModel = next.model == configuration.model && next.quantization == configuration.quantization
                && next.engine.cacheDirectory == configuration.engine.cacheDirectory
            let nextModel = sameModel ? model : try Daemon.compile(next)
            keepOutlets = next.publish == configuration.publish && publishedModel(nextModel.program) == outlets.model
            pipeline.stop()
            if !keepOutlets {
                outlets.close()
                outlets = try Daemon.makeOutlets(next, model: nextModel, activatedSocket: activatedSocket)
            }
            pipeline = try Daemon.makePipeline(next, model: nextModel, outlets: outlets)
            model = nextModel
            configuration = next
            DaemonLog.info(
                "reloaded: \(pipeline.source.format), model \(model.program.modelName), CRF \(pipeline.crfSummary)\(keepOutlets ? "; subscribers kept" : "")")
        } catch {
            DaemonLog.error("reload failed, keeping the running configuration: \(error)")
            pipeline.stop()
            do {
                if !keepOutlets {
                    outlets.close()
                    outlets = try Daemon.makeOutlets(configuration, model: model, activatedSocket: activatedSocket)
                }
                pipeline = try Daemon.makePipeline(configuration, model: model, outlets: outlets)
            } catch {
                DaemonLog.error("the running configuration no longer starts either: \(error)")
                exit(1)
            }
        }
        pipeline.start()
        outlets.figures.setExtras(extras())
    }

    private static func load(_ path: String) throws -> SegConfiguration {
        var bytes: [UInt8] = []
        guard let file = fopen(path, "rb") else { throw DaemonError("\(path): \(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw DaemonError("\(path): not UTF-8 text") }
        var configuration = try SegConfiguration.parse(text, fileName: path)
        if configuration.model.path.isEmpty { throw DaemonError("\(path): model.path: segd needs a model") }
        if configuration.engine.cacheDirectory.isEmpty {
            // systemd's StateDirectory= (the compiled-model cache survives restarts there).
            configuration.engine.cacheDirectory = getenv("STATE_DIRECTORY").map { String(cString: $0).split(separator: ":").first.map(String.init) ?? "" } ?? "/var/lib/segd"
        }
        return configuration
    }

    private static func compile(_ configuration: SegConfiguration) throws -> CompiledModel {
        try ModelSource.load(path: configuration.model.path, configuration: configuration) { DaemonLog.info($0) }
    }

    private static func makeOutlets(_ configuration: SegConfiguration, model: CompiledModel, activatedSocket: Int32?) throws -> MaskOutlets {
        // The server owns and closes the descriptor it gets: hand it a duplicate, so that a reload
        // can serve the activated socket again.
        let descriptor = activatedSocket.map { fcntl($0, F_DUPFD_CLOEXEC, 3) }
        return try MaskOutlets(configuration.publish, model: publishedModel(model.program), listeningDescriptor: descriptor) { DaemonLog.info("socket: \($0)") }
    }

    private static func makePipeline(_ configuration: SegConfiguration, model: CompiledModel, outlets: MaskOutlets) throws -> Pipeline {
        let capture = configuration.capture
        return try Pipeline(
            settings: try frameSourceSettings(capture), framing: Framing(rawValue: capture.framing.rawValue)!,
            dctScaling: capture.mjpegDCTScaling, compiled: model, threads: configuration.engine.threads, crf: configuration.crf,
            outlets: outlets)
    }

    private func statusLine() -> String {
        let status = outlets.figures.status()
        let subscribers = outlets.server?.statistics.subscribers ?? 0
        return "\(format(status.framesPerSecond)) fps, latency p50 \(format(status.latencyP50Milliseconds)) ms, \(status.frames) masks, \(status.drops) dropped, \(subscribers) subscriber\(subscribers == 1 ? "" : "s")"
    }

    private func extras() -> [StatusField] {
        [
            StatusField("model", model.program.modelName),
            StatusField("quantization", model.program.quantizationSummary),
            StatusField("capture", "\(pipeline.source.format)"),
            StatusField("engine.threads", "\(configuration.engine.threads)"),
            StatusField("crf", pipeline.crfSummary),
        ]
    }
}

import SegCapture
import SegPublish
import Synchronization

/// The pipeline's recent figures, for status requests and STATUS= lines: publish rate,
/// capture-to-publish latency and per-stage times over the last 256 frames, frame and drop
/// counts. Thread-safe (the socket server asks from its own thread).
public final class PipelineFigures: Sendable {
    /// The stages a frame goes through, each timed per frame.
    public enum Stage: Int, CaseIterable, Sendable {
        /// Capture timestamp to converted input in the mailbox (driver, DQBUF, conversion).
        case capture
        /// Waiting in the mailbox for the inference thread.
        case queued
        case inference
        /// DenseCRF refinement (`[crf]`), on the frames it runs on: softmax, resizes, lattice, iterations.
        case crf
        /// Ring and socket hand-off.
        case publish

        var key: String {
            switch self {
            case .capture: "latency.capture_ms"
            case .queued: "latency.queued_ms"
            case .inference: "latency.inference_ms"
            case .crf: "latency.crf_ms"
            case .publish: "latency.publish_ms"
            }
        }
    }

    private static let window = 256

    private struct Window {
        var published = [UInt64](repeating: 0, count: PipelineFigures.window)
        var latencies = [UInt64](repeating: 0, count: PipelineFigures.window)
        var stages = [UInt64](repeating: 0, count: PipelineFigures.window * Stage.allCases.count)
        var stageCounts = [UInt64](repeating: 0, count: Stage.allCases.count)
        var frames: UInt64 = 0
        var drops: UInt64 = 0
        var extras: [StatusField] = []
    }

    private let state = Mutex(Window())

    public init() {}

    /// A mask was published now for a frame captured at `captureTimestampNanoseconds`.
    public func recordPublish(captureTimestampNanoseconds: UInt64) {
        let now = monotonicNanoseconds()
        state.withLock { w in
            let index = Int(w.frames % UInt64(Self.window))
            w.published[index] = now
            w.latencies[index] = now &- captureTimestampNanoseconds
            w.frames &+= 1
        }
    }

    /// One frame spent `nanoseconds` in `stage`.
    public func record(_ stage: Stage, nanoseconds: UInt64) {
        state.withLock { w in
            let index = Int(w.stageCounts[stage.rawValue] % UInt64(Self.window))
            w.stages[stage.rawValue * Self.window + index] = nanoseconds
            w.stageCounts[stage.rawValue] &+= 1
        }
    }

    /// Frames the pipeline lost so far (dropped by the source, corrupt, replaced in the mailbox).
    public func setDrops(_ drops: Int) { state.withLock { $0.drops = UInt64(drops) } }

    /// Fixed facts reported with every status (model, quantization, capture format).
    public func setExtras(_ extras: [StatusField]) { state.withLock { $0.extras = extras } }

    /// Frames published so far.
    public var frames: UInt64 { state.withLock { $0.frames } }

    /// Frames timed in `stage` so far (the CRF stage counts only the frames it ran on).
    public func frames(in stage: Stage) -> UInt64 { state.withLock { $0.stageCounts[stage.rawValue] } }

    public func status() -> PipelineStatus {
        state.withLock { w in
            var extras: [StatusField] = []
            for stage in Stage.allCases {
                let count = Int(min(w.stageCounts[stage.rawValue], UInt64(Self.window)))
                guard count > 0 else { continue }
                let start = stage.rawValue * Self.window
                let values = w.stages[start..<start + count].map { Double($0) / 1e6 }
                extras.append(StatusField(stage.key, "p50 \(format(percentile(values, 0.5))) p99 \(format(percentile(values, 0.99)))"))
            }
            extras += w.extras
            let count = Int(min(w.frames, UInt64(Self.window)))
            guard count > 1 else { return PipelineStatus(frames: w.frames, drops: w.drops, extras: extras) }
            let newest = w.published[Int((w.frames - 1) % UInt64(Self.window))]
            let oldest = w.published[Int((w.frames - UInt64(count)) % UInt64(Self.window))]
            let latencies = w.latencies[0..<count].map { Double($0) / 1e6 }
            return PipelineStatus(
                framesPerSecond: newest > oldest ? Double(count - 1) / (Double(newest - oldest) / 1e9) : 0,
                latencyP50Milliseconds: percentile(latencies, 0.5), latencyP99Milliseconds: percentile(latencies, 0.99),
                frames: w.frames, drops: w.drops, extras: extras)
        }
    }
}

/// The `fraction` percentile (nearest rank) of `values`; 0 when empty.
public func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = Int((Double(sorted.count) * fraction).rounded(.up))
    return sorted[min(sorted.count, max(1, rank)) - 1]
}

/// Milliseconds with two decimals.
func format(_ milliseconds: Double) -> String {
    let hundredths = Int((milliseconds * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

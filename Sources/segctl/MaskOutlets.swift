import ArgumentParser
import Glibc
import SegCapture
import SegConfig
import SegPublish
import Synchronization

/// Where `segctl capture --publish` sends each mask: the shared-memory ring and the subscriber
/// socket of `[publish]`, either of which may be off (an empty path). Used from the capture
/// thread; the socket server runs its own thread.
final class MaskOutlets {
    let ring: ShmRingWriter?
    let server: SubscriberServer?
    let figures = PipelineFigures()

    init(_ section: PublishSection, model: PublishedModel, log: @escaping @Sendable (String) -> Void) throws {
        ring = section.ringPath.isEmpty ? nil : try ShmRingWriter(path: section.ringPath, model: model, slotCount: section.ringSlots)
        guard !section.socketPath.isEmpty else {
            server = nil
            return
        }
        let settings = SubscriberServerSettings(
            serverName: "segctl capture", ringPath: section.ringPath.isEmpty ? nil : section.ringPath,
            queueCapacity: section.subscriberQueue, stuckTimeoutSeconds: Double(section.subscriberTimeoutMilliseconds) / 1000,
            admission: PeerAdmission(userIDs: section.allowedUIDs.map(UInt32.init), groupIDs: section.allowedGIDs.map(UInt32.init)))
        let figures = figures
        server = try SubscriberServer(
            path: section.socketPath, mode: mode_t(section.socketMode), groupID: try groupID(section.socketGroup), model: model,
            settings: settings, status: { figures.status() }, log: log)
    }

    /// Publishes one mask to the ring, then to the subscribers.
    func publish(mask: UnsafeRawBufferPointer, info: MaskFrameInfo) {
        ring?.publish(mask: mask, info: info)
        server?.publish(mask: mask, info: info)
        figures.record(captureTimestampNanoseconds: info.captureTimestampNanoseconds)
    }

    /// Keeps the ring's heartbeat going while no frames come (a camera reconnecting).
    func idle() { ring?.heartbeat() }

    /// Says goodbye to subscribers and marks the ring closed.
    func close() {
        server?.stop()
        ring?.close()
    }
}

/// `socket_group` as a gid: nil for "" (the process's own group), a number, or a group name.
private func groupID(_ group: String) throws -> gid_t? {
    if group.isEmpty { return nil }
    if let number = gid_t(group) { return number }
    guard let entry = getgrnam(group) else { throw ValidationError("publish.socket_group: no group named \(group)") }
    return entry.pointee.gr_gid
}

/// The pipeline's recent figures for status requests: rate and capture-to-publish latency over
/// the last 256 frames. Thread-safe (the socket server asks from its own thread).
final class PipelineFigures: Sendable {
    private struct Window {
        var published = [UInt64](repeating: 0, count: 256)
        var latencies = [UInt64](repeating: 0, count: 256)
        var frames: UInt64 = 0
        var drops: UInt64 = 0
    }

    private let window = Mutex(Window())

    func record(captureTimestampNanoseconds: UInt64) {
        let now = monotonicNanoseconds()
        window.withLock { w in
            let index = Int(w.frames % 256)
            w.published[index] = now
            w.latencies[index] = now &- captureTimestampNanoseconds
            w.frames &+= 1
        }
    }

    /// Adds frames the pipeline lost (dropped by the source, or corrupt).
    func setDrops(_ drops: Int) { window.withLock { $0.drops = UInt64(drops) } }

    func status() -> PipelineStatus {
        window.withLock { w in
            let count = Int(min(w.frames, 256))
            guard count > 1 else { return PipelineStatus(frames: w.frames, drops: w.drops) }
            let newest = w.published[Int((w.frames - 1) % 256)], oldest = w.published[Int((w.frames - UInt64(count)) % 256)]
            let latencies = w.latencies[0..<count].map { Double($0) / 1e6 }
            return PipelineStatus(
                framesPerSecond: newest > oldest ? Double(count - 1) / (Double(newest - oldest) / 1e9) : 0,
                latencyP50Milliseconds: percentile(latencies, 0.5), latencyP99Milliseconds: percentile(latencies, 0.99),
                frames: w.frames, drops: w.drops)
        }
    }
}

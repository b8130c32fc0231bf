import SegCapture
import SegConfig
import SegPublish
import SegRuntime
import Synchronization

/// One running configuration of the frame path (../shared/DESIGN.md, "One frame, start to end"):
/// a capture thread converts each frame straight into a `FrameMailbox` buffer and gives the
/// camera buffer back; an inference thread takes the latest frame, runs the model (with its
/// worker pool), refines the mask with the DenseCRF on the frames `[crf]` asks for, and publishes
/// the mask to the outlets. Neither thread allocates per frame.
/// Created on the daemon's main thread, which also reads its counters.
final class Pipeline: @unchecked Sendable {
    /// How the pipeline ended, when it did on its own.
    enum Outcome: Equatable {
        case running
        /// A replay that does not loop reached its end.
        case finished
        /// The source failed in a way reopening cannot cure.
        case failed(String)
    }

    let source: ReconnectingFrameSource
    /// Used by the capture thread only.
    private var converter: FrameConverter
    private let executor: NetworkExecutor
    private let pool: WorkerPool
    private let program: NetworkProgram
    private let outlets: MaskOutlets
    private let mailbox: FrameMailbox
    private let stopping = Atomic<Bool>(false)
    private let outcomeState = Mutex(Outcome.running)
    /// CLOCK_MONOTONIC of the last published mask, for the watchdog.
    private let lastPublish = Atomic<UInt64>(0)
    /// Source drops and corrupt frames, kept by the capture thread.
    private let captureDrops = Atomic<Int>(0)
    private var threads: [JoinableThread] = []
    private let framing: Framing
    private let dctScaling: Bool
    private let layout: ModelInputLayout
    /// The `[crf]` stage, when enabled.
    private let refiner: CRFRefiner?

    /// Opens the source (throws when the camera cannot be opened or configured) and prepares
    /// the conversion into `compiled`'s input and the CRF that `crf` configures; starts nothing.
    init(
        settings: FrameSourceSettings, framing: Framing, dctScaling: Bool, compiled: CompiledModel, threads: Int, crf: CRFSection,
        outlets: MaskOutlets
    ) throws {
        program = compiled.program
        let layout = try modelInputLayout(program)
        refiner = crf.enabled ? try CRFRefiner(crf, program: program, layout: layout, threads: threads) : nil
        source = try settings.open { DaemonLog.warning("capture: \($0)") }
        converter = try FrameConverter(source: source.format, input: layout, framing: framing, dctScaling: dctScaling)
        executor = try compiled.makeExecutor(threads: threads)
        pool = WorkerPool(executor: executor, threadCount: threads)
        mailbox = FrameMailbox(byteCount: layout.elementCount)
        self.outlets = outlets
        self.framing = framing
        self.dctScaling = dctScaling
        self.layout = layout
    }

    func start() {
        threads = [
            JoinableThread { [self] in captureLoop() },
            JoinableThread { [self] in inferenceLoop() },
        ]
    }

    /// Stops both threads, waits for them and closes the camera, so that the next pipeline can
    /// open it. Idempotent.
    func stop() {
        stopping.store(true, ordering: .releasing)
        mailbox.close()
        for thread in threads { thread.join() }
        threads = []
        source.close()
    }

    var outcome: Outcome { outcomeState.withLock { $0 } }
    var lastPublishNanoseconds: UInt64 { lastPublish.load(ordering: .acquiring) }
    var frameDrops: Int { captureDrops.load(ordering: .relaxed) + mailbox.dropped }
    /// What the CRF stage does: `off`, or its size, iterations and frames.
    var crfSummary: String { refiner?.summary ?? "off" }

    private func captureLoop() {
        var sequence: UInt64 = 0
        while !stopping.load(ordering: .acquiring) {
            var timestamp: UInt64 = 0
            var converted = false
            do throws(CaptureError) {
                if source.format != converter.source {
                    // A camera that came back with other strides needs a new plan.
                    converter = try FrameConverter(source: source.format, input: layout, framing: framing, dctScaling: dctScaling)
                }
                let target = mailbox.writeBuffer
                let delivered = try source.nextFrame(timeoutMilliseconds: 200) { frame in
                    timestamp = frame.timestampNanoseconds
                    converted = converter.convert(frame, into: target)
                }
                if !delivered {
                    outlets.idle()
                    continue
                }
            } catch where isEndOfStream(error) {
                outcomeState.withLock { $0 = .finished }
                DaemonLog.info("capture: \(error)")
                break
            } catch {
                outcomeState.withLock { $0 = .failed("\(error)") }
                DaemonLog.error("capture: \(error)")
                break
            }
            let corrupt = converter.corruptFrames
            captureDrops.store(source.statistics.dropped + corrupt, ordering: .relaxed)
            guard converted else {
                if corrupt <= 10 || corrupt % 100 == 0 {
                    DaemonLog.warning("capture: corrupt frame dropped (\(corrupt) so far): \(converter.lastCorruption.map { "\($0)" } ?? "")")
                }
                continue
            }
            sequence &+= 1
            mailbox.commit(sequence: sequence, captureTimestampNanoseconds: timestamp)
            outlets.figures.record(.capture, nanoseconds: monotonicNanoseconds() &- timestamp)
        }
        mailbox.close()
    }

    private func inferenceLoop() {
        let maskDims = program.tensors[program.mask].dims
        let inputCount = layout.elementCount
        let logits = UnsafeRawPointer(executor.pointer(program.logits))
        var frameIndex = 0
        while !stopping.load(ordering: .acquiring) {
            guard let envelope = mailbox.take(timeoutNanoseconds: 200_000_000) else { continue }
            let started = monotonicNanoseconds()
            outlets.figures.record(.queued, nanoseconds: started &- envelope.committedNanoseconds)
            executor.input.update(from: envelope.input, count: inputCount)
            pool.run()
            let inferred = monotonicNanoseconds()
            var mask = executor.mask
            var refined = inferred
            if let refiner, frameIndex % refiner.everyNthFrame == 0 {
                do {
                    // The mailbox buffer still holds the frame: the arena's input may be overwritten.
                    mask = try refiner.refine(input: envelope.input, logits: logits)
                } catch {
                    DaemonLog.warning("crf: \(error); mask published unrefined")
                }
                refined = monotonicNanoseconds()
                outlets.figures.record(.crf, nanoseconds: refined &- inferred)
            }
            frameIndex &+= 1
            let info = MaskFrameInfo(
                frameNumber: envelope.sequence, captureTimestampNanoseconds: envelope.captureTimestampNanoseconds,
                inferenceNanoseconds: inferred &- started, width: maskDims.width, height: maskDims.height, classCount: program.classNames.count)
            outlets.publish(mask: UnsafeRawBufferPointer(start: mask, count: maskDims.elementCount), info: info)
            let published = monotonicNanoseconds()
            outlets.figures.record(.inference, nanoseconds: inferred &- started)
            outlets.figures.record(.publish, nanoseconds: published &- refined)
            outlets.figures.setDrops(frameDrops)
            lastPublish.store(published, ordering: .releasing)
        }
    }
}

private func isEndOfStream(_ error: CaptureError) -> Bool {
    if case .endOfStream = error { return true }
    return false
}

#if !hasFeature(Embedded)
import Glibc
import Synchronization

/// Runs the steps of a network (or any `PartitionedWork`) on `threadCount` threads: the caller plus `threadCount - 1` workers that
/// live as long as the pool. Within one inference, idle workers spin briefly for the next step
/// (steps are often well under a millisecond) and then sleep on a condition variable until the next
/// inference. Each step's units are handed out in chunks through an atomic counter. `run` allocates
/// nothing.
///
/// One `run` at a time (not reentrant); the pool may be driven from any one thread.
public final class WorkerPool: @unchecked Sendable {
    public let threadCount: Int

    private let work: any PartitionedWork
    private var threads: [pthread_t] = []
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    /// Bumped to publish a new step (release); workers compare with the last one they ran.
    private let generation = Atomic<Int>(0)
    private let nextUnit = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleeping = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    // Written by the caller before `generation` is bumped, read by workers after they see it.
    private var step = 0
    private var unitCount = 0
    private var chunk = 1

    /// Spins a worker does on an unchanged generation before it sleeps.
    private static let spinLimit = 20_000

    /// Starts `threadCount - 1` worker threads for `executor` (whose workspaces must cover
    /// `threadCount` threads).
    public convenience init(executor: NetworkExecutor, threadCount: Int) {
        self.init(work: executor, threadCount: threadCount)
    }

    /// Starts `threadCount - 1` worker threads for `work` (whose scratch must cover `threadCount`
    /// threads). The pool keeps `work` alive.
    public init(work: any PartitionedWork, threadCount: Int) {
        precondition(threadCount >= 1 && threadCount <= work.threadCount, "threadCount exceeds the work's scratch")
        self.work = work
        self.threadCount = threadCount
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        for worker in 1..<max(1, threadCount) {
            let context = Unmanaged.passRetained(WorkerContext(pool: self, index: worker)).toOpaque()
            var thread = pthread_t()
            let status = pthread_create(&thread, nil, { raw in
                let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                context.pool.workerLoop(context.index)
                return nil
            }, context)
            precondition(status == 0, "pthread_create failed: \(status)")
            threads.append(thread)
        }
    }

    deinit {
        stopping.store(true, ordering: .releasing)
        pthread_mutex_lock(mutex)
        generation.wrappingAdd(1, ordering: .releasing)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        for thread in threads { pthread_join(thread, nil) }
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        wake.deallocate()
    }

    /// Runs every step of the network, all threads sharing each step.
    public func run() {
        for index in 0..<work.stepCount { run(step: index) }
    }

    /// Runs one step, all threads sharing its units; returns when it is complete.
    public func run(step index: Int) {
        let units = work.unitCount(index)
        if threadCount == 1 || units < 2 {
            work.run(step: index, units: 0..<units, thread: 0)
            return
        }
        step = index
        unitCount = units
        chunk = max(1, units / (threadCount &* 4))
        nextUnit.store(0, ordering: .relaxed)
        finished.store(0, ordering: .relaxed)
        // Bump, then look for sleepers (both sequentially consistent): a worker that registers as
        // sleeping before it re-reads the generation either sees the bump or is woken here.
        generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
        if sleeping.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(mutex)
        }
        work(thread: 0)
        while finished.load(ordering: .acquiring) < threadCount &- 1 { spinPause() }
    }

    private func work(thread: Int) {
        let units = unitCount, size = chunk, index = step
        while true {
            let start = nextUnit.wrappingAdd(size, ordering: .relaxed).oldValue
            if start >= units { break }
            work.run(step: index, units: start..<min(units, start &+ size), thread: thread)
        }
    }

    private func workerLoop(_ index: Int) {
        var seen = 0
        while true {
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                if spins < WorkerPool.spinLimit {
                    spins &+= 1
                    spinPause()
                } else {
                    pthread_mutex_lock(mutex)
                    sleeping.wrappingAdd(1, ordering: .sequentiallyConsistent)
                    while generation.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(wake, mutex) }
                    sleeping.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_unlock(mutex)
                }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            if stopping.load(ordering: .acquiring) { return }
            work(thread: index)
            finished.wrappingAdd(1, ordering: .releasing)
        }
    }

    @inline(__always)
    private func spinPause() { _ = sched_yield() }
}

private final class WorkerContext {
    let pool: WorkerPool
    let index: Int

    init(pool: WorkerPool, index: Int) {
        self.pool = pool
        self.index = index
    }
}
#endif

/// Work that a `WorkerPool` can share among threads: numbered steps, each made of independent units
/// that may run on different threads at once.
public protocol PartitionedWork: AnyObject {
    /// Threads whose scratch the work is sized for; `run`'s `thread` is below it.
    var threadCount: Int { get }
    /// Steps that `WorkerPool.run()` goes through in order.
    var stepCount: Int { get }
    /// Independent units of step `index`.
    func unitCount(_ index: Int) -> Int
    /// Runs units `units` of step `index` with the scratch of thread `thread`.
    func run(step index: Int, units: Range<Int>, thread: Int)
}

extension NetworkExecutor: PartitionedWork {}

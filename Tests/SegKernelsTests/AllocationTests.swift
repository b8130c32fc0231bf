import CAllocationCounter
import SegKernels
import SegKernelsBench
import Testing

@Suite struct AllocationTests {
    /// Every benchmark workload (every kernel, on every path it has; small scale, so that debug
    /// builds, whose generic code paths differ, finish quickly too) runs without touching the heap
    /// once configured.
    @Test(arguments: KernelBenchmarks.names)
    func kernelCallsDoNotAllocate(_ name: String) throws {
        _ = try #require(KernelBenchmarks.make(name, scale: .small))
        for path in ConvKernelPath.available {
            // Kernels without a dot-product variant (depthwise) refuse that path.
            guard let workload = KernelBenchmarks.make(name, path: path, scale: .small) else { continue }
            workload.run()
            let before = allocation_counter_thread_allocations()
            workload.run()
            let allocations = allocation_counter_thread_allocations() - before
            #expect(allocations == 0, "\(name) on \(path) allocated \(allocations) times")
        }
    }

    /// The counter itself counts (a test that could not fail would prove nothing).
    @Test func counterSeesAllocations() {
        let before = allocation_counter_thread_allocations()
        let buffer = AlignedBuffer(byteCount: 100)
        #expect(allocation_counter_thread_allocations() > before)
        _ = buffer
    }
}

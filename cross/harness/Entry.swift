// Swift side of the Embedded test/benchmark harness (see main.c).
import KernelHarness
import SegKernels
import SegKernelsBench
import SegKernelsConformance
import SegRuntime

/// Prints every conformance vector's digest line; returns the number of mismatches.
@_cdecl("kernel_harness_conformance")
public func conformance(_ cases: Int32, _ seed: UInt64, _ family: UnsafePointer<CChar>?) -> Int32 {
    let only = family.map { String(cString: $0) }
    var failures: Int32 = 0
    for name in ConformanceSuite.families where only == nil || only == name {
        var checked: [String] = []
        var counts: [Int] = []
        _ = ConformanceSuite.run(family: name, cases: Int(cases), seed: seed) { result in
            print("vector \(result.digestLine)")
            for failure in result.failures {
                print("MISMATCH \(result.family) \(result.index) [\(result.shape)] \(failure)")
                failures += 1
            }
            for implementation in result.checked {
                if let i = checked.firstIndex(of: implementation) {
                    counts[i] += 1
                } else {
                    checked.append(implementation)
                    counts.append(1)
                }
            }
        }
        var line = "checked \(name):"
        for i in 0..<checked.count { line += " \(checked[i])=\(counts[i])" }
        print(line)
    }
    return failures
}

/// Runs every benchmark workload (small scale) on every path it has twice and counts heap allocations
/// during the second run; returns the number of workloads that allocated.
@_cdecl("kernel_harness_allocation_check")
public func allocationCheck() -> Int32 {
    var failures: Int32 = 0
    for path in ConvKernelPath.available {
        for name in KernelBenchmarks.names {
            // Kernels without a dot-product variant (depthwise) refuse that path.
            guard let workload = KernelBenchmarks.make(name, path: path, scale: .small) else { continue }
            workload.run()
            let before = kernel_harness_allocations()
            workload.run()
            let allocated = kernel_harness_allocations() - before
            print("allocations \(name) \(path): \(allocated)")
            if allocated != 0 { failures += 1 }
        }
    }
    return failures
}

/// Runs workload `name` once to warm up, then `repeats` times between two marks.
@_cdecl("kernel_harness_bench")
public func bench(_ name: UnsafePointer<CChar>, _ repeats: Int32) -> Int32 {
    guard let workload = KernelBenchmarks.make(String(cString: name)) else {
        print("unknown workload \(String(cString: name))")
        return 1
    }
    workload.run()
    kernel_harness_mark(1)
    for _ in 0..<repeats { workload.run() }
    kernel_harness_mark(2)
    print("bench \(workload.name) macs=\(workload.macs) outputs=\(workload.outputElements) repeats=\(repeats) \(workload.detail)")
    return 0
}

/// Prints every workload's name.
@_cdecl("kernel_harness_bench_list")
public func benchList() {
    for name in KernelBenchmarks.names { print(name) }
}

/// Decodes the compiled model in `bytes` (`count` bytes, 64-byte aligned, owned by the caller),
/// runs it once on input drawn from `seed` between marks 1 and 2, and prints its digest line and
/// what that run did; returns 1 if the model is refused or the run allocated.
@_cdecl("kernel_harness_network")
public func network(_ bytes: UnsafeRawPointer, _ count: Int, _ seed: UInt64) -> Int32 {
    let model: CompiledModel
    let executor: NetworkExecutor
    do {
        model = try CompiledModel(bytes: UnsafeRawBufferPointer(start: bytes, count: count))
    } catch {
        print("refused: \(error.description)")
        return 1
    }
    do {
        executor = try model.makeExecutor()
    } catch {
        print("refused: \(error.description)")
        return 1
    }
    var allocated: UInt64 = 0
    let digest = networkDigest(executor, seed: seed) { executor in
        let before = kernel_harness_allocations()
        kernel_harness_mark(1)
        executor.run()
        kernel_harness_mark(2)
        allocated = kernel_harness_allocations() &- before
    }
    print(digest.line)
    let program = model.program
    print("run macs=\(program.macs) layers=\(program.layers.count) arena=\(program.arenaByteCount) allocations=\(allocated)")
    return allocated == 0 ? 0 : 1
}

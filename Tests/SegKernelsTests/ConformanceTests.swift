import SegKernels
import SegKernelsConformance
import Testing

@Suite struct ConformanceTests {
    @Test(arguments: ConformanceSuite.families)
    func family(_ name: String) {
        var failures: [String] = []
        var count = 0
        _ = ConformanceSuite.run(family: name, cases: 60, seed: 1) { result in
            count += 1
            for f in result.failures { failures.append("\(result.family) \(result.index) [\(result.shape)] \(f)") }
        }
        #expect(count == 60)
        #expect(failures.isEmpty, "\(failures.prefix(5).joined(separator: "\n"))")
    }
}

import Glibc
import SegCRF
import SegCapture
import SegCompiler
import SegConfig
import SegImageIO
import SegKernels
import SegPublish
import SegRuntime
import Testing

@testable import SegDaemon

/// `deeplab_lite_161` (21 classes, 161 x 161) compiled to int8 once for the tests below, calibrated
/// on smooth synthetic images spanning the normalized range of 8-bit colours (the input's int8
/// range comes from them: a narrower one would clip the frame's colours).
private let fixtureModel = Result { try compileFixture(floatLayers: []) }
/// The same with the head kept in float, so that the logits are float.
private let floatHeadModel = Result { try compileFixture(floatLayers: ["/fc8/Conv", "/Resize"]) }

private func compileFixture(floatLayers: [String]) throws -> CompiledModel {
    let path = String(#filePath.dropLast("SegDaemonTests/CRFStageTests.swift".count)) + "Fixtures/models/deeplab_lite_161.onnx"
    let graph = try ModelCompiler.importGraph(try ImageCodecs.readFile(path))
    let shape = graph.values[graph.input].shape
    let calibration = (0..<3).map { image in
        (0..<shape.elementCount).map { index -> Float in
            let pixel = index / shape.channels, x = Double(pixel % shape.width), y = Double(pixel / shape.width)
            return Float(2.7 * sin(x * 0.05 * Double(image + 1) + Double(index % shape.channels)) * cos(y * 0.07 + Double(image)))
        }
    }
    var quantization = QuantizationConfig()
    quantization.method = .minMax
    quantization.floatLayers = floatLayers
    let artifact = try ModelCompiler.compile(graph: graph, quantization: quantization, calibration: CalibrationSet(tensors: calibration, files: []))
    return try CompiledModel(copying: artifact.bytes)
}

/// One 322 x 322 RGB test-pattern frame (colour bars, a grey square in the middle rows), converted
/// into `layout`'s input as the capture thread does.
private func patternInput(_ layout: ModelInputLayout) throws -> AlignedBuffer {
    let source = try TestPatternSource(format: .rgb24, width: 322, height: 322, fps: 1000)
    let converter = try FrameConverter(source: source.format, input: layout, framing: .stretch, dctScaling: false)
    let input = AlignedBuffer(byteCount: layout.elementCount)
    var converted = false
    _ = try source.nextFrame(timeoutMilliseconds: 1000) { converted = converter.convert($0, into: input.typed(Int8.self, count: layout.elementCount)) }
    #expect(converted)
    return input
}

@Suite struct CRFStageTests {
    @Test func crfSectionMapsToPottsKernels() {
        #expect(crfParameters(CRFSection()) == .deepLab)
        var section = CRFSection()
        section.iterations = 2
        section.gaussianWeight = 1.5
        section.gaussianXYStd = 2
        section.bilateralWeight = 6
        section.bilateralXYStd = 30
        section.bilateralRGBStd = 10
        #expect(crfParameters(section) == CRFParameters(
            iterations: 2, gaussian: GaussianKernelParameters(compatibility: .potts(weight: 1.5), xyStd: 2),
            bilateral: BilateralKernelParameters(compatibility: .potts(weight: 6), xyStd: 30, rgbStd: 10)))
    }

    @Test func modelInputTurnsBackIntoTheFrameColours() throws {
        let layout = try modelInputLayout(try fixtureModel.get().program)
        let input = try patternInput(layout)
        var rgb = [UInt8](repeating: 0, count: layout.width * layout.height * 3)
        InputColourTable(layout).convert(input.typed(Int8.self, count: layout.elementCount), pixelCount: layout.width * layout.height, into: &rgb)
        let bars: [(Int, Int, Int)] = [(255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0), (255, 0, 255), (255, 0, 0), (0, 0, 255), (0, 0, 0)]
        for (index, bar) in bars.enumerated() {
            // The middle of each bar, in a row above the square.
            let x = (2 * index + 1) * layout.width / 16, y = 5
            let pixel = rgb[(y * layout.width + x) * 3..<(y * layout.width + x) * 3 + 3].map(Int.init)
            #expect(abs(pixel[0] - bar.0) <= 3 && abs(pixel[1] - bar.1) <= 3 && abs(pixel[2] - bar.2) <= 3, "bar \(index): \(pixel)")
        }
    }

    @Test func refinedMasksHoldClassIdsAndDifferFromTheArgmax() throws {
        let run = try PatternInference(try fixtureModel.get())
        // The buffers behind frame and logits must live until the last refine.
        try withExtendedLifetime(run) {
            let (program, layout, frame, plain, logits) = (run.program, run.layout, run.frame, run.mask, run.logits)
            let maskCount = plain.count
            // The CRF at the mask size, smaller (probabilities and image resized down, mask back up) and
            // larger (resized up, mask back down).
            for (width, height) in [(0, 0), (96, 80), (240, 200)] {
                var section = CRFSection()
                section.enabled = true
                section.width = width
                section.height = height
                let refiner = try CRFRefiner(section, program: program, layout: layout, threads: 2)
                let refined = Array(UnsafeBufferPointer(start: try refiner.refine(input: frame, logits: logits), count: maskCount))
                #expect(refined.allSatisfy { Int($0) < program.classNames.count })
                let changed = zip(refined, plain).filter { $0 != $1 }.count
                #expect(changed > 0 && changed < maskCount / 2, "\(width)x\(height): \(changed) of \(maskCount) pixels changed")
            }
            // No iterations at the mask size: the most probable class of the softmax, which is the argmax.
            var section = CRFSection()
            section.enabled = true
            section.iterations = 0
            let refiner = try CRFRefiner(section, program: program, layout: layout, threads: 1)
            #expect(Array(UnsafeBufferPointer(start: try refiner.refine(input: frame, logits: logits), count: maskCount)) == plain)
        }
    }

    /// Float logits (a head kept in float) take the float softmax: with no iterations the refined
    /// mask is the argmax, so the planes are the logits' classes in order.
    @Test func floatLogitsGiveTheArgmaxWithoutIterations() throws {
        let run = try PatternInference(try floatHeadModel.get())
        #expect(run.program.tensors[run.program.logits].elementType != .int8)
        var section = CRFSection()
        section.enabled = true
        section.iterations = 0
        let refiner = try CRFRefiner(section, program: run.program, layout: run.layout, threads: 1)
        let refined = try withExtendedLifetime(run) { try Array(UnsafeBufferPointer(start: refiner.refine(input: run.frame, logits: run.logits), count: run.mask.count)) }
        #expect(refined == run.mask)
        #expect(Set(run.mask).count > 1)
    }

    @Test func pipelineRefinesEveryNthFrameAndPublishesMasksOfTheAdvertisedSize() throws {
        let model = try fixtureModel.get()
        let ringPath = "/tmp/segd-crf-test-\(getpid()).ring"
        var publish = PublishSection()
        publish.ringPath = ringPath
        publish.socketPath = ""
        let outlets = try MaskOutlets(publish, model: publishedModel(model.program)) { _ in }
        defer {
            outlets.close()
            unlink(ringPath)
        }
        var crf = CRFSection()
        crf.enabled = true
        crf.iterations = 3
        crf.width = 120
        crf.height = 96
        crf.everyNthFrame = 2
        let settings = FrameSourceSettings(
            kind: .pattern(format: .rgb24, width: 322, height: 322, fps: 200), stallMilliseconds: 2000,
            backoff: ReconnectBackoff(initialMilliseconds: 10, maximumMilliseconds: 100))
        let pipeline = try Pipeline(
            settings: settings, framing: .stretch, dctScaling: false, compiled: model, threads: 2, crf: crf, outlets: outlets)
        #expect(pipeline.crfSummary == "120x96, 3 iterations, every 2 frames")
        pipeline.start()
        for _ in 0..<3000 where outlets.figures.frames < 9 { usleep(10_000) }
        pipeline.stop()
        #expect(pipeline.outcome == .running)
        let frames = outlets.figures.frames
        #expect(frames >= 9)
        #expect(outlets.figures.frames(in: .crf) == (frames + 1) / 2)
        #expect(outlets.figures.status().extras.contains { $0.key == "latency.crf_ms" && $0.value.hasPrefix("p50 ") })

        let reader = try ShmRingReader(path: ringPath)
        let maskDims = model.program.tensors[model.program.mask].dims
        var mask = [UInt8](repeating: 255, count: reader.maskCapacity)
        let latest = try mask.withUnsafeMutableBytes { try reader.latest(into: $0) }
        #expect(latest?.info.width == maskDims.width && latest?.info.height == maskDims.height)
        #expect(mask[0..<maskDims.elementCount].allSatisfy { Int($0) < model.program.classNames.count })
    }
}

/// One inference of `model` on the test pattern: the input, the argmax mask and the logits, which
/// stay valid as long as this value.
private struct PatternInference {
    let program: NetworkProgram
    let layout: ModelInputLayout
    let input: AlignedBuffer
    let executor: NetworkExecutor
    let mask: [UInt8]

    var frame: UnsafePointer<Int8> { UnsafePointer(input.typed(Int8.self, count: layout.elementCount)) }
    var logits: UnsafeRawPointer { UnsafeRawPointer(executor.pointer(program.logits)) }

    init(_ model: CompiledModel) throws {
        program = model.program
        layout = try modelInputLayout(program)
        input = try patternInput(layout)
        executor = try model.makeExecutor()
        executor.input.update(from: UnsafePointer(input.typed(Int8.self, count: layout.elementCount)), count: layout.elementCount)
        executor.run()
        mask = Array(UnsafeBufferPointer(start: executor.mask, count: program.tensors[program.mask].dims.elementCount))
    }
}

import ArgumentParser
import Foundation
import SegCapture
import SegCompiler
import SegDaemon
import SegImageIO
import SegKernels
import SegRuntime

struct BenchCapture: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Time camera frame conversion into the model input against the model's int8 inference.",
        discussion: """
            On one thread, in one run: (a) YUYV frames -> int8 input, (b) MJPEG frames decoded with DCT \
            scaling -> input, (c) MJPEG decoded at full size -> input (2-tap bilinear, aliased when \
            shrinking), (d) the model's inference, (e) MJPEG decoded at full size, the crop resized with \
            Pillow's antialiased bilinear filter (the training preprocessing: the quality DCT scaling gives) \
            -> input; then (a)/(d), (b)/(d) (target <= 10%), (c)/(b) and (e)/(b) (target >= 2x). The frames are 16 frames spread \
            over --clip (an MJPEG sequence file: scripts/make-replay-clip.sh makes the default one); the \
            YUYV frames are the same frames decoded and converted to YUYV. Each figure is the median of \
            --runs timed calls after --warmup untimed ones, the frames taken in turn.
            """)

    @Option(help: "ONNX or compiled model.") var model: String
    @Option(help: "segd.toml ([quantization], [engine]).") var config: String?
    @Option(help: "Folder of calibration inputs for compiling an ONNX model.") var calibration: String?
    @Option(help: "MJPEG sequence file (concatenated JPEGs).") var clip = ".bench/replay/vtest_640x480.mjpeg"
    @Option(help: "crop, letterbox or stretch.") var framing = "crop"
    @Option(help: "Timed runs of each step.") var runs = 50
    @Option(help: "Untimed runs first.") var warmup = 5
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        guard let framing = Framing(rawValue: framing) else { throw ValidationError("--framing must be crop, letterbox or stretch") }
        guard runs >= 1, warmup >= 0 else { throw ValidationError("--runs must be positive and --warmup not negative") }
        let configuration = try loadConfiguration(config)
        let compiled = try ModelSource.load(path: model, configuration: configuration, calibrationDirectory: calibration, log: note)
        let executor = try compiled.makeExecutor(threads: 1)
        let pool = WorkerPool(executor: executor, threadCount: 1)
        let layout = try modelInputLayout(compiled.program)
        let input = executor.input

        let jpegs = try clipFrames(count: 16)
        let width = jpegs[0].width, height = jpegs[0].height
        let mjpegFormat = SourceFormat(format: .mjpeg, width: width, height: height, fps: 30)
        let scaled = try FrameConverter(source: mjpegFormat, input: layout, framing: framing)
        let full = try FrameConverter(source: mjpegFormat, input: layout, framing: framing, dctScaling: false)
        let yuyvFormat = SourceFormat(format: .yuyv, width: width & ~1, height: height, fps: 30)
        let yuyv = try FrameConverter(source: yuyvFormat, input: layout, framing: framing)
        let yuyvFrames = try jpegs.map { try yuyvFrame($0.bytes, width: width, height: height, format: yuyvFormat) }

        func timeConversions(_ converter: FrameConverter, _ frames: [[UInt8]]) -> Double {
            var times: [Double] = []
            for run in 0..<(warmup + runs) {
                let start = monotonicSeconds()
                let converted = frames[run % frames.count].withUnsafeBytes { bytes in
                    converter.convert(CapturedFrame(format: converter.source, bytes: bytes, sequence: UInt64(run), timestampNanoseconds: 0), into: input)
                }
                let elapsed = monotonicSeconds() - start
                precondition(converted, "clip frame \(run % frames.count) did not convert: \(converter.lastCorruption.map(String.init(describing:)) ?? "")")
                if run >= warmup { times.append(elapsed) }
            }
            return median(times) * 1000
        }
        let yuyvMs = timeConversions(yuyv, yuyvFrames)
        let scaledMs = timeConversions(scaled, jpegs.map(\.bytes))
        let fullMs = timeConversions(full, jpegs.map(\.bytes))
        let antialiasedMs = try timeAntialiasedPath(jpegs.map(\.bytes), width: width, height: height, layout: layout, framing: framing, into: input)
        var inferenceTimes: [Double] = []
        for run in 0..<(warmup + runs) {
            let start = monotonicSeconds()
            pool.run()
            if run >= warmup { inferenceTimes.append(monotonicSeconds() - start) }
        }
        let inferenceMs = median(inferenceTimes) * 1000

        let crop = scaled.geometry.crop
        if json {
            let object: [String: Any] = [
                "model": model, "model_name": compiled.program.modelName, "clip": clip, "frames": jpegs.count, "runs": runs,
                "frame_width": width, "frame_height": height, "input_width": layout.width, "input_height": layout.height,
                "framing": framing.rawValue, "dct_scale": scaled.decodeScale.description, "threads": 1,
                "yuyv_ms": yuyvMs, "mjpeg_scaled_ms": scaledMs, "mjpeg_full_ms": fullMs, "inference_ms": inferenceMs,
                "yuyv_over_inference": yuyvMs / inferenceMs, "mjpeg_scaled_over_inference": scaledMs / inferenceMs,
                "mjpeg_full_over_scaled": fullMs / scaledMs, "mjpeg_full_antialiased_ms": antialiasedMs,
                "mjpeg_full_antialiased_over_scaled": antialiasedMs / scaledMs,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("\(compiled.program.modelName): \(width)x\(height) frames (\(jpegs.count) of \(clip)) -> \(layout.width)x\(layout.height) int8 input, \(framing), 1 thread, median of \(runs)")
        print("MJPEG decoded at \(scaled.decodeScale) (\(scaled.geometry.frame.width)x\(scaled.geometry.frame.height), crop \(crop.width)x\(crop.height) at \(crop.x),\(crop.y))")
        print(columns(["step", "ms"], [-44, 9]))
        print(columns(["(a) YUYV -> input", fixed(yuyvMs, 3)], [-44, 9]))
        print(columns(["(b) MJPEG, DCT-scaled decode -> input", fixed(scaledMs, 3)], [-44, 9]))
        print(columns(["(c) MJPEG, full-size decode -> input", fixed(fullMs, 3)], [-44, 9]))
        print(columns(["(d) inference", fixed(inferenceMs, 3)], [-44, 9]))
        print(columns(["(e) MJPEG, full decode + antialiased resize", fixed(antialiasedMs, 3)], [-44, 9]))
        print("(a)/(d) \(fixed(100 * yuyvMs / inferenceMs, 1))%   (b)/(d) \(fixed(100 * scaledMs / inferenceMs, 1))% (target <= 10%)")
        print("(c)/(b) \(fixed(fullMs / scaledMs, 2))x   (e)/(b) \(fixed(antialiasedMs / scaledMs, 2))x (target >= 2x)")
    }

    /// Median ms of (e): each frame decoded at full size, its framing crop resized to the
    /// destination with `RGBImage.resizedBilinear` (Pillow-exact, antialiased), then converted 1:1.
    private func timeAntialiasedPath(
        _ frames: [[UInt8]], width: Int, height: Int, layout: ModelInputLayout, framing: Framing, into input: UnsafeMutablePointer<Int8>
    ) throws -> Double {
        let decoder = try MJPEGDecoder(width: width, height: height, scale: .full)
        let (crop, destination) = framing.placement(
            frameWidth: width, frameHeight: height, inputWidth: layout.width, inputHeight: layout.height, evenCropX: false)
        let resizedFormat = SourceFormat(format: .rgb24, width: destination.width, height: destination.height, fps: 30)
        let converter = try FrameConverter(source: resizedFormat, input: layout, framing: framing)
        var cropped = RGBImage(width: crop.width, height: crop.height, pixels: [UInt8](repeating: 0, count: crop.width * crop.height * 3))
        var times: [Double] = []
        for run in 0..<(warmup + runs) {
            let start = monotonicSeconds()
            if case .failure(let reason) = frames[run % frames.count].withUnsafeBytes({ decoder.decode($0) }) {
                throw ValidationError("\(clip): \(reason)")
            }
            cropped.pixels.withUnsafeMutableBytes { target in
                for row in 0..<crop.height {
                    let from = decoder.pixels + ((crop.y + row) * width + crop.x) * 3
                    (target.baseAddress! + row * crop.width * 3).copyMemory(from: from, byteCount: crop.width * 3)
                }
            }
            var resized = cropped.resizedBilinear(width: destination.width, height: destination.height).pixels
            resized.append(contentsOf: repeatElement(0, count: AlignedBuffer.kernelTailPadding))
            let converted = resized.withUnsafeBytes { bytes in
                converter.convert(CapturedFrame(format: resizedFormat, bytes: bytes, sequence: UInt64(run), timestampNanoseconds: 0), into: input)
            }
            let elapsed = monotonicSeconds() - start
            precondition(converted, "a resized frame did not convert")
            if run >= warmup { times.append(elapsed) }
        }
        return median(times) * 1000
    }

    /// `count` frames spread evenly over the clip, each its JPEG bytes and size.
    private func clipFrames(count: Int) throws -> [(bytes: [UInt8], width: Int, height: Int)] {
        guard let data = FileManager.default.contents(atPath: clip) else {
            throw ValidationError("cannot read \(clip) (scripts/make-replay-clip.sh makes .bench/replay/vtest_640x480.mjpeg)")
        }
        let bytes = [UInt8](data)
        var images: [JPEGBoundaries.Image] = []
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while let image = JPEGBoundaries.nextImage(in: buffer, from: offset) {
                images.append(image)
                offset = image.range.upperBound
            }
        }
        guard let first = images.first else { throw ValidationError("\(clip) holds no JPEG frames") }
        guard images.allSatisfy({ $0.width == first.width && $0.height == first.height }) else {
            throw ValidationError("\(clip): frames of different sizes")
        }
        let step = max(1, images.count / count)
        return stride(from: 0, to: images.count, by: step).prefix(count).map { index in
            (Array(bytes[images[index].range]), first.width, first.height)
        }
    }

    /// The JPEG decoded at full size and converted to packed YUYV, with the kernels' tail
    /// padding after it (as a V4L2 buffer with room to spare).
    private func yuyvFrame(_ jpeg: [UInt8], width: Int, height: Int, format: SourceFormat) throws -> [UInt8] {
        let decoder = try MJPEGDecoder(width: width, height: height, scale: .full)
        if case .failure(let reason) = jpeg.withUnsafeBytes({ decoder.decode($0) }) { throw ValidationError("\(clip): \(reason)") }
        var frame = [UInt8](repeating: 0, count: format.rowStride * height + AlignedBuffer.kernelTailPadding)
        // Rows of the decoded image are `width * 3` bytes; an odd last column is dropped.
        var rgb = [UInt8](repeating: 0, count: format.width * height * 3)
        for row in 0..<height {
            for byte in 0..<(format.width * 3) { rgb[row * format.width * 3 + byte] = decoder.pixels[row * width * 3 + byte] }
        }
        rgb.withUnsafeBufferPointer { source in
            frame.withUnsafeMutableBufferPointer {
                RGBToYUV.yuyv(rgb: source.baseAddress!, width: format.width, height: height, into: $0.baseAddress!, rowStride: format.rowStride)
            }
        }
        return frame
    }
}

import Foundation
import SegConfig
import Testing

/// Parses `text` as a configuration expecting an error with exactly this description.
private func expectError(_ text: String, _ description: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try SegConfiguration.parse(text)
        Issue.record("parsed, expected: \(description)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.description == description, sourceLocation: sourceLocation)
    }
}

@Suite struct SegConfigurationTests {
    @Test func defaults() throws {
        let defaults = SegConfiguration.defaults
        #expect(defaults.model.path == "")
        #expect(defaults.engine.threads == 1)
        #expect(defaults.engine.cacheDirectory == "")
        let q = defaults.quantization
        #expect(q.method == .minMax)
        #expect(q.percentile == 99.99)
        #expect(q.weights == .perChannel)
        #expect(q.activations == .asymmetric)
        #expect(q.floatLayers == [])
        #expect(q.calibrationDirectory == "")
        #expect(q.calibrationCount == 32)
        #expect(q.histogramBins == 2048)
        #expect(try SegConfiguration.parse("") == defaults)
        #expect(try SegConfiguration.parse("# nothing\n\n[engine]\n[quantization]\n") == defaults)
    }

    @Test func everyKey() throws {
        let configuration = try SegConfiguration.parse("""
            [model]
            path = "/var/lib/segd/deeplab.onnx"
            [engine]
            threads = 4
            cache_dir = '/var/cache/segd'
            [quantization]
            method = "percentile"
            percentile = 99.9
            weights = "per-tensor"
            activations = "symmetric"
            float_layers = ["conv1", "fc8"]
            calibration_dir = "calib"
            calibration_count = 100
            histogram_bins = 4096
            """)
        #expect(configuration.model.path == "/var/lib/segd/deeplab.onnx")
        #expect(configuration.engine.threads == 4)
        #expect(configuration.engine.cacheDirectory == "/var/cache/segd")
        let q = configuration.quantization
        #expect(q.method == .percentile)
        #expect(q.percentile == 99.9)
        #expect(q.weights == .perTensor)
        #expect(q.activations == .symmetric)
        #expect(q.floatLayers == ["conv1", "fc8"])
        #expect(q.calibrationDirectory == "calib")
        #expect(q.calibrationCount == 100)
        #expect(q.histogramBins == 4096)
    }

    @Test func everyMethod() throws {
        for (text, method) in [("minmax", CalibrationMethod.minMax), ("percentile", .percentile), ("entropy", .entropy), ("mse", .mse)] {
            #expect(try SegConfiguration.parse("[quantization]\nmethod = \"\(text)\"").quantization.method == method)
        }
    }

    @Test func rangesAtTheirBounds() throws {
        let low = try SegConfiguration.parse("[engine]\nthreads = 1\n[quantization]\ncalibration_count = 1\nhistogram_bins = 128\npercentile = 50.000001")
        #expect(low.engine.threads == 1 && low.quantization.calibrationCount == 1 && low.quantization.histogramBins == 128)
        let high = try SegConfiguration.parse("[engine]\nthreads = 64\n[quantization]\ncalibration_count = 10000\nhistogram_bins = 65536\npercentile = 100")
        #expect(high.engine.threads == 64 && high.quantization.calibrationCount == 10000 && high.quantization.histogramBins == 65536)
        #expect(high.quantization.percentile == 100)
    }

    @Test func valueErrorsNameKeyAndLine() {
        expectError("[quantization]\n\nmethod = \"foo\"",
            #"segd.toml line 3: quantization.method: expected one of "minmax", "percentile", "entropy", "mse", got "foo""#)
        expectError("[quantization]\nmethod = 1",
            #"segd.toml line 2: quantization.method: expected one of "minmax", "percentile", "entropy", "mse", got an integer 1"#)
        expectError("[quantization]\nweights = \"per-layer\"",
            #"segd.toml line 2: quantization.weights: expected one of "per-channel", "per-tensor", got "per-layer""#)
        expectError("[quantization]\nactivations = \"Symmetric\"",
            #"segd.toml line 2: quantization.activations: expected one of "asymmetric", "symmetric", got "Symmetric""#)
        expectError("[engine]\nthreads = 0", "segd.toml line 2: engine.threads: must be in 1...64, got 0")
        expectError("[engine]\nthreads = 65", "segd.toml line 2: engine.threads: must be in 1...64, got 65")
        expectError("[engine]\nthreads = \"4\"", #"segd.toml line 2: engine.threads: expected an integer, got a string "4""#)
        expectError("[engine]\nthreads = 4.0", "segd.toml line 2: engine.threads: expected an integer, got a float 4.0")
        expectError("[engine]\ncache_dir = 3", "segd.toml line 2: engine.cache_dir: expected a string, got an integer 3")
        expectError("[model]\npath = [\"a\"]", #"segd.toml line 2: model.path: expected a string, got an array ["a"]"#)
        expectError("[quantization]\npercentile = 50",
            "segd.toml line 2: quantization.percentile: must be greater than 50 and at most 100, got 50")
        expectError("[quantization]\npercentile = 100.5",
            "segd.toml line 2: quantization.percentile: must be greater than 50 and at most 100, got 100.5")
        expectError("[quantization]\npercentile = \"99\"",
            #"segd.toml line 2: quantization.percentile: expected a number, got a string "99""#)
        expectError("[quantization]\ncalibration_count = 0", "segd.toml line 2: quantization.calibration_count: must be in 1...10000, got 0")
        expectError("[quantization]\ncalibration_count = 10001",
            "segd.toml line 2: quantization.calibration_count: must be in 1...10000, got 10001")
        expectError("[quantization]\nhistogram_bins = 127", "segd.toml line 2: quantization.histogram_bins: must be in 128...65536, got 127")
        expectError("[quantization]\nhistogram_bins = 65537",
            "segd.toml line 2: quantization.histogram_bins: must be in 128...65536, got 65537")
        expectError("[quantization]\ncalibration_dir = true", "segd.toml line 2: quantization.calibration_dir: expected a string, got a boolean true")
    }

    @Test func floatLayerErrors() {
        expectError("[quantization]\nfloat_layers = \"conv1\"",
            #"segd.toml line 2: quantization.float_layers: expected an array of strings, got a string "conv1""#)
        expectError("[quantization]\nfloat_layers = [\n  \"conv1\",\n  2,\n]",
            "segd.toml line 4: quantization.float_layers[1]: expected a string, got an integer 2")
        expectError("[quantization]\nfloat_layers = [\"a\", \"b\",\n \"a\"]",
            #"segd.toml line 3: quantization.float_layers[2]: "a" is already listed at index 0"#)
        expectError("[quantization]\nfloat_layers = [\"\"]", "segd.toml line 2: quantization.float_layers[0]: must not be empty")
    }

    @Test func unknownKeysAndSections() {
        expectError("[engine]\nthreads = 2\ntreads = 2",
            "segd.toml line 3: engine.treads: unknown key in [engine] (known keys: threads, cache_dir)")
        expectError("[quantization]\nmethod.name = \"mse\"",
            "segd.toml line 2: quantization.method: expected one of \"minmax\", \"percentile\", \"entropy\", \"mse\", got a table {...}")
        expectError("[engine.pool]\nsize = 2",
            "segd.toml line 1: engine.pool: unknown table in [engine] (known keys: threads, cache_dir)")
        expectError("[model]\npath = \"m.onnx\"\n\n[camera]\ndevice = \"/dev/video0\"",
            "segd.toml line 4: camera: unknown section (known sections: [model], [engine], [quantization], [capture], [publish], [crf])")
        expectError("threads = 2\n[engine]",
            "segd.toml line 1: threads: key outside any section (known sections: [model], [engine], [quantization], [capture], [publish], [crf])")
        expectError("engine = 2", "segd.toml line 1: engine: expected a table [engine], got an integer 2")
        expectError("[Engine]", "segd.toml line 1: Engine: unknown section (known sections: [model], [engine], [quantization], [capture], [publish], [crf])")
    }

    @Test func syntaxErrorsCarryTheFileName() {
        do {
            _ = try SegConfiguration.parse("[engine]\nthreads = 2\nthreads = 3", fileName: "/etc/segd/segd.toml")
            Issue.record("duplicate key accepted")
        } catch {
            #expect(error == ConfigError(key: "engine.threads", line: 3, message: "duplicate key (first set at line 2)", fileName: "/etc/segd/segd.toml"))
            #expect(error.description == "/etc/segd/segd.toml line 3: engine.threads: duplicate key (first set at line 2)")
        }
        #expect(ConfigError(key: "", line: 7, message: "m").description == "line 7: m")
        #expect(ConfigError(key: "k", line: 7, message: "m", fileName: "f").description == "f line 7: k: m")
    }

    @Test func shippedConfigParsesToTheDefaults() throws {
        let path = String(#filePath.dropLast("Tests/SegConfigTests/SegConfigurationTests.swift".count)) + "config/segd.toml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(try SegConfiguration.parse(text, fileName: "config/segd.toml") == SegConfiguration.defaults)
        // Parsing to the defaults would also pass with keys left out; the file must document every key.
        let table = try TOMLTable(parsing: text)
        func keys(_ section: String) -> [String] {
            guard case .table(let t)? = table[section]?.kind else { return [] }
            return t.entries.map(\.key)
        }
        #expect(table.entries.map(\.key) == ["model", "engine", "quantization", "capture", "publish", "crf"])
        #expect(keys("model") == ["path"])
        #expect(keys("engine") == ["threads", "cache_dir"])
        #expect(keys("quantization") == [
            "method", "percentile", "weights", "activations", "float_layers", "calibration_dir", "calibration_count", "histogram_bins",
        ])
        #expect(keys("capture") == [
            "source", "device", "format", "width", "height", "fps", "buffers", "framing", "mjpeg_dct_scaling", "stall_timeout_ms",
            "reconnect_initial_ms", "reconnect_max_ms", "replay_path", "replay_loop",
        ])
        #expect(keys("publish") == [
            "ring_path", "ring_slots", "socket_path", "socket_mode", "socket_group", "allowed_uids", "allowed_gids", "subscriber_queue",
            "subscriber_timeout_ms",
        ])
        #expect(keys("crf") == [
            "enabled", "iterations", "gaussian_weight", "gaussian_xy_std", "bilateral_weight", "bilateral_xy_std", "bilateral_rgb_std",
            "width", "height", "every_nth_frame", "lattice_precision",
        ])
    }

    @Test func publishSection() throws {
        let defaults = SegConfiguration.defaults.publish
        #expect(defaults.ringPath == "/run/segd/masks.ring" && defaults.ringSlots == 4 && defaults.socketPath == "/run/segd.sock")
        #expect(defaults.socketMode == 0o660 && defaults.socketGroup == "" && defaults.allowedUIDs == [] && defaults.allowedGIDs == [])
        #expect(defaults.subscriberQueue == 4 && defaults.subscriberTimeoutMilliseconds == 5000)
        let p = try SegConfiguration.parse("""
            [publish]
            ring_path = ""
            ring_slots = 8
            socket_path = "/tmp/s.sock"
            socket_mode = "0600"
            socket_group = "video"
            allowed_uids = [0, 1000]
            allowed_gids = [44]
            subscriber_queue = 2
            subscriber_timeout_ms = 250
            """).publish
        #expect(p.ringPath == "" && p.ringSlots == 8 && p.socketPath == "/tmp/s.sock" && p.socketMode == 0o600 && p.socketGroup == "video")
        #expect(p.allowedUIDs == [0, 1000] && p.allowedGIDs == [44] && p.subscriberQueue == 2 && p.subscriberTimeoutMilliseconds == 250)
        expectError("[publish]\nsocket_mode = \"0968\"", #"segd.toml line 2: publish.socket_mode: must be octal permissions such as "0660", got "0968""#)
        expectError("[publish]\nsocket_mode = 660", "segd.toml line 2: publish.socket_mode: expected a string, got an integer 660")
        expectError("[publish]\nallowed_uids = [1, \"root\"]", #"segd.toml line 2: publish.allowed_uids[1]: expected an integer, got a string "root""#)
        expectError("[publish]\nallowed_uids = [7, 7]", "segd.toml line 2: publish.allowed_uids[1]: 7 is already listed at index 0")
        expectError("[publish]\nallowed_gids = [-1]", "segd.toml line 2: publish.allowed_gids[0]: must be in 0...4294967294, got -1")
        expectError("[publish]\nring_slots = 1", "segd.toml line 2: publish.ring_slots: must be in 2...64, got 1")
    }

    @Test func crfSection() throws {
        let defaults = SegConfiguration.defaults.crf
        #expect(!defaults.enabled && defaults.iterations == 5 && defaults.everyNthFrame == 1)
        #expect(defaults.gaussianWeight == 3 && defaults.gaussianXYStd == 1)
        #expect(defaults.bilateralWeight == 4 && defaults.bilateralXYStd == 67 && defaults.bilateralRGBStd == 3)
        #expect(defaults.width == 0 && defaults.height == 0 && defaults.latticePrecision == .half)
        let c = try SegConfiguration.parse("""
            [crf]
            enabled = true
            iterations = 10
            gaussian_weight = 2.5
            gaussian_xy_std = 3
            bilateral_weight = 5
            bilateral_xy_std = 40.5
            bilateral_rgb_std = 13
            width = 160
            height = 120
            every_nth_frame = 3
            lattice_precision = "float"
            """).crf
        #expect(c.latticePrecision == .float)
        #expect(c.enabled && c.iterations == 10 && c.gaussianWeight == 2.5 && c.gaussianXYStd == 3)
        #expect(c.bilateralWeight == 5 && c.bilateralXYStd == 40.5 && c.bilateralRGBStd == 13)
        #expect(c.width == 160 && c.height == 120 && c.everyNthFrame == 3)
        let low = try SegConfiguration.parse("[crf]\niterations = 0\ngaussian_weight = 0\nbilateral_weight = 0\nwidth = 1\nheight = 1\nevery_nth_frame = 1").crf
        #expect(low.iterations == 0 && low.gaussianWeight == 0 && low.bilateralWeight == 0 && low.width == 1 && low.height == 1)
        let high = try SegConfiguration.parse("""
            [crf]
            iterations = 20
            gaussian_weight = 100
            bilateral_xy_std = 1000
            bilateral_rgb_std = 1000
            width = 8192
            height = 8192
            every_nth_frame = 1000
            """).crf
        #expect(high.iterations == 20 && high.gaussianWeight == 100 && high.bilateralXYStd == 1000 && high.bilateralRGBStd == 1000)
        #expect(high.width == 8192 && high.height == 8192 && high.everyNthFrame == 1000)
    }

    @Test func crfErrorsNameKeyAndLine() {
        expectError("[crf]\nenabled = 1", "segd.toml line 2: crf.enabled: expected a boolean, got an integer 1")
        expectError("[crf]\n\niterations = 21", "segd.toml line 3: crf.iterations: must be in 0...20, got 21")
        expectError("[crf]\niterations = -1", "segd.toml line 2: crf.iterations: must be in 0...20, got -1")
        expectError("[crf]\ngaussian_weight = -0.5", "segd.toml line 2: crf.gaussian_weight: must be in 0...100, got -0.5")
        expectError("[crf]\nbilateral_weight = 100.5", "segd.toml line 2: crf.bilateral_weight: must be in 0...100, got 100.5")
        expectError("[crf]\ngaussian_xy_std = 0", "segd.toml line 2: crf.gaussian_xy_std: must be greater than 0 and at most 1000, got 0")
        expectError("[crf]\nbilateral_xy_std = 1001", "segd.toml line 2: crf.bilateral_xy_std: must be greater than 0 and at most 1000, got 1001")
        expectError("[crf]\nbilateral_rgb_std = \"3\"", #"segd.toml line 2: crf.bilateral_rgb_std: expected a number, got a string "3""#)
        expectError("[crf]\nwidth = 8193", "segd.toml line 2: crf.width: must be in 0...8192, got 8193")
        expectError("[crf]\nheight = -1", "segd.toml line 2: crf.height: must be in 0...8192, got -1")
        expectError("[crf]\nwidth = 2.0", "segd.toml line 2: crf.width: expected an integer, got a float 2.0")
        expectError("[crf]\nevery_nth_frame = 0", "segd.toml line 2: crf.every_nth_frame: must be in 1...1000, got 0")
        expectError("[crf]\nlattice_precision = \"double\"",
            #"segd.toml line 2: crf.lattice_precision: expected one of "half", "float", got "double""#)
        expectError("[crf]\nenabled = true\nwidth = 320",
            "segd.toml line 2: crf.height: must be set when width is (both 0: the model's mask size), got 0")
        expectError("[crf]\nenabled = true\nwidth = 0\nheight = 240",
            "segd.toml line 3: crf.width: must be set when height is (both 0: the model's mask size), got 0")
        expectError("[crf]\nenable = true",
            "segd.toml line 2: crf.enable: unknown key in [crf] (known keys: enabled, iterations, gaussian_weight, gaussian_xy_std, bilateral_weight, bilateral_xy_std, bilateral_rgb_std, width, height, every_nth_frame, lattice_precision)")
    }

    @Test func captureSection() throws {
        let defaults = SegConfiguration.defaults.capture
        #expect(defaults.source == .v4l2 && defaults.device == "/dev/video0" && defaults.format == .auto)
        #expect(defaults.width == 640 && defaults.height == 480 && defaults.fps == 30 && defaults.buffers == 4)
        #expect(defaults.framing == .crop && defaults.mjpegDCTScaling && defaults.stallTimeoutMilliseconds == 2000)
        #expect(defaults.reconnectInitialMilliseconds == 250 && defaults.reconnectMaximumMilliseconds == 5000)
        #expect(defaults.replayPath == "" && defaults.replayLoop)
        let c = try SegConfiguration.parse("""
            [capture]
            source = "replay"
            device = "/dev/video2"
            format = "mjpeg"
            width = 1280
            height = 720
            fps = 7.5
            buffers = 8
            framing = "letterbox"
            mjpeg_dct_scaling = false
            stall_timeout_ms = 500
            reconnect_initial_ms = 100
            reconnect_max_ms = 100
            replay_path = "clip.mjpeg"
            replay_loop = false
            """).capture
        #expect(c.source == .replay && c.device == "/dev/video2" && c.format == .mjpeg && c.width == 1280 && c.height == 720)
        #expect(c.fps == 7.5 && c.buffers == 8 && c.framing == .letterbox && !c.mjpegDCTScaling && c.stallTimeoutMilliseconds == 500)
        #expect(c.reconnectInitialMilliseconds == 100 && c.reconnectMaximumMilliseconds == 100)
        #expect(c.replayPath == "clip.mjpeg" && !c.replayLoop)
        expectError("[capture]\nformat = \"h264\"",
            #"segd.toml line 2: capture.format: expected one of "auto", "yuyv", "nv12", "mjpeg", "rgb", got "h264""#)
        expectError("[capture]\nbuffers = 2", "segd.toml line 2: capture.buffers: must be in 4...32, got 2")
        expectError("[capture]\nfps = 0", "segd.toml line 2: capture.fps: must be greater than 0 and at most 240, got 0")
        expectError("[capture]\nsource = \"camera\"",
            #"segd.toml line 2: capture.source: expected one of "v4l2", "replay", "pattern", got "camera""#)
        expectError("[capture]\nwidth = 320\nreconnect_initial_ms = 1000\nreconnect_max_ms = 500",
            "segd.toml line 4: capture.reconnect_max_ms: must be at least reconnect_initial_ms (1000), got 500")
        expectError("[capture]\nreconnect_initial_ms = 9000",
            "segd.toml line 2: capture.reconnect_max_ms: must be at least reconnect_initial_ms (9000), got 5000")
    }

    @Test func cacheKeyOfTheDefaults() {
        #expect(QuantizationConfig().cacheKey == #"method="minmax";percentile=99.99;weights="per-channel";activations="asymmetric";float_layers=[];calibration_count=32;histogram_bins=2048;calibration_dir="""#)
    }

    @Test func cacheKeyIgnoresLayerOrderAndSpelling() throws {
        let a = try SegConfiguration.parse("[quantization]\nfloat_layers = [\"fc8\", \"conv1\", \"b\"]\npercentile = 99.990").quantization
        let b = try SegConfiguration.parse("[quantization]\nfloat_layers = ['b', 'conv1', 'fc8']\npercentile = 9_999e-2\nmethod = 'minmax'").quantization
        #expect(a.cacheKey == b.cacheKey)
        #expect(a.cacheKey.contains(#"float_layers=["b","conv1","fc8"]"#))
        #expect(try SegConfiguration.parse("[quantization]\npercentile = 100").quantization.cacheKey.contains("percentile=100.0;"))
    }

    @Test func cacheKeyChangesWithEveryField() {
        let base = QuantizationConfig()
        var variants: [QuantizationConfig] = []
        for method in CalibrationMethod.allCases where method != base.method {
            var v = base; v.method = method; variants.append(v)
        }
        var v = base
        v.percentile = 99.9; variants.append(v); v = base
        v.weights = .perTensor; variants.append(v); v = base
        v.activations = .symmetric; variants.append(v); v = base
        v.floatLayers = ["conv1"]; variants.append(v); v = base
        v.floatLayers = ["conv1", "conv2"]; variants.append(v); v = base
        v.floatLayers = ["conv1,conv2"]; variants.append(v); v = base
        v.floatLayers = [#"a","b"#]; variants.append(v); v = base
        v.floatLayers = ["a", "b"]; variants.append(v); v = base
        v.calibrationDirectory = "calib"; variants.append(v); v = base
        v.calibrationCount = 33; variants.append(v); v = base
        v.histogramBins = 1024; variants.append(v)
        let keys = [base.cacheKey] + variants.map(\.cacheKey)
        for i in keys.indices {
            for j in keys.indices where j > i {
                #expect(keys[i] != keys[j], "\(keys[i])")
            }
        }
    }
}

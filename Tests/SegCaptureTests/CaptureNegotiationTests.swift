import Glibc
import SegCapture
import Testing

/// What a UVC webcam typically offers: YUYV up to 640x480 at 30 fps (USB 2 bandwidth), larger
/// sizes only slowly; MJPEG at every size at 30 fps.
private let webcam: [FormatOffer] = [
    FormatOffer(
        fourCC: "YUYV", name: "YUYV 4:2:2", format: .yuyv,
        sizes: .discrete([
            (640, 480, .discrete([30, 15])), (320, 240, .discrete([30, 15])), (1280, 720, .discrete([10, 5])),
        ])),
    FormatOffer(
        fourCC: "MJPG", name: "Motion-JPEG", format: .mjpeg,
        sizes: .discrete([(640, 480, .discrete([30])), (1280, 720, .discrete([30, 15]))])),
    FormatOffer(fourCC: "H264", name: "H.264", format: nil, sizes: .discrete([(1280, 720, .discrete([30]))])),
    FormatOffer(fourCC: "RGB3", name: "RGB3", format: .rgb24, emulated: true, sizes: .discrete([(640, 480, .discrete([30]))])),
]

@Suite struct CaptureNegotiationTests {
    @Test func autoPrefersRawWhenItReachesTheRate() throws {
        let choice = try negotiateCapture(CaptureRequest(encoding: .auto, width: 640, height: 480, fps: 30), offers: webcam, device: "cam")
        #expect(choice == NegotiatedCapture(format: .yuyv, width: 640, height: 480, fps: 30))
    }

    @Test func autoTakesMJPEGWhenRawIsTooSlow() throws {
        let choice = try negotiateCapture(CaptureRequest(encoding: .auto, width: 1280, height: 720, fps: 30), offers: webcam, device: "cam")
        #expect(choice == NegotiatedCapture(format: .mjpeg, width: 1280, height: 720, fps: 30))
        // At a rate raw reaches, raw wins again.
        let slow = try negotiateCapture(CaptureRequest(encoding: .auto, width: 1280, height: 720, fps: 5), offers: webcam, device: "cam")
        #expect(slow == NegotiatedCapture(format: .yuyv, width: 1280, height: 720, fps: 5))
    }

    @Test func explicitFormatGetsTheNearestOfferedRate() throws {
        let choice = try negotiateCapture(CaptureRequest(encoding: .yuyv, width: 1280, height: 720, fps: 30), offers: webcam, device: "cam")
        #expect(choice == NegotiatedCapture(format: .yuyv, width: 1280, height: 720, fps: 10))
        let between = try negotiateCapture(CaptureRequest(encoding: .yuyv, width: 320, height: 240, fps: 20), offers: webcam, device: "cam")
        #expect(between.fps == 15)
    }

    @Test func emulatedAndUnknownFormatsAreNeverChosen() {
        #expect(throws: CaptureError.self) {
            try negotiateCapture(CaptureRequest(encoding: .rgb, width: 640, height: 480, fps: 30), offers: webcam, device: "cam")
        }
    }

    @Test func unsupportedRequestListsTheOffers() {
        do {
            _ = try negotiateCapture(CaptureRequest(encoding: .nv12, width: 640, height: 480, fps: 30), offers: webcam, device: "/dev/video0")
            Issue.record("negotiated a format the device does not offer")
        } catch {
            #expect(!error.isRecoverable)
            let text = error.description
            #expect(text.hasPrefix("/dev/video0: cannot capture nv12 640x480 @ 30 fps; the device offers:\n"))
            #expect(text.contains("  YUYV (YUYV 4:2:2) [yuyv]: 640x480 (30, 15 fps); 320x240 (30, 15 fps); 1280x720 (10, 5 fps)"))
            #expect(text.contains("  MJPG (Motion-JPEG) [mjpeg]: 640x480 (30 fps); 1280x720 (30, 15 fps)"))
            #expect(text.hasSuffix("\n  and 2 formats segd does not convert: H264 RGB3"))
        }
        #expect(throws: CaptureError.self) {
            try negotiateCapture(CaptureRequest(encoding: .auto, width: 800, height: 600, fps: 30), offers: webcam, device: "cam")
        }
    }

    @Test func stepwiseSizesAndContinuousRates() throws {
        let offers = [
            FormatOffer(
                fourCC: "NV12", name: "Y/UV 4:2:0", format: .nv12,
                sizes: .stepwise(width: stride(from: 16, through: 1920, by: 16), height: stride(from: 16, through: 1088, by: 2)))
        ]
        let choice = try negotiateCapture(CaptureRequest(encoding: .auto, width: 640, height: 360, fps: 24), offers: offers, device: "csi")
        #expect(choice == NegotiatedCapture(format: .nv12, width: 640, height: 360, fps: 24))
        #expect(throws: CaptureError.self) {
            try negotiateCapture(CaptureRequest(encoding: .auto, width: 650, height: 360, fps: 24), offers: offers, device: "csi")
        }
        #expect(FrameRateOffer.continuous(1...60).nearest(to: 90) == 60)
        #expect(FrameRateOffer.continuous(1...60).offers(59.99))
        #expect(!FrameRateOffer.discrete([30, 15]).offers(25))
    }

    @Test func systemErrorsSayWhichCallAndErrno() {
        let error = CaptureError.system(device: "/dev/video0", call: "VIDIOC_DQBUF", errno: ENODEV)
        #expect(error.isRecoverable)
        #expect(error.description == "/dev/video0: VIDIOC_DQBUF failed: No such device (ENODEV)")
        #expect(!CaptureError.system(device: "/dev/video0", call: "VIDIOC_S_FMT", errno: EINVAL).isRecoverable)
        #expect(CaptureError.stalled(device: "/dev/video0", milliseconds: 2000).isRecoverable)
    }
}

import ArgumentParser
import SegClient
import SegImageIO
import SegPublish

struct Snapshot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Save the next mask from segd's subscriber socket as a palette PNG.",
        discussion: """
            Receives one full-size mask and writes it as an RGB PNG, each class in its PASCAL VOC \
            palette colour. With --overlay-frame (a photo of the same scene, e.g. saved by segctl \
            capture) also writes --overlay-out: the photo with the mask blended over it, the mask \
            scaled to the photo's size.
            """)

    @Option(help: "The daemon's socket.") var socket = "/run/segd.sock"
    @Option(help: "Palette PNG to write.") var out: String
    @Option(help: "A frame image (JPEG or PNG) to draw the mask over.") var overlayFrame: String?
    @Option(help: "Overlay PNG to write (with --overlay-frame).") var overlayOut: String?
    @Option(help: "Seconds to wait for the server and the frame.") var timeout = 10.0

    func validate() throws {
        guard (overlayFrame == nil) == (overlayOut == nil) else { throw ValidationError("--overlay-frame and --overlay-out go together") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() throws {
        let subscriber = try SegSubscriber(socketPath: socket, timeoutSeconds: timeout)
        defer { subscriber.close() }
        try subscriber.subscribe(SubscriptionOptions(encoding: .runLength), timeoutSeconds: timeout)
        let frame = try subscriber.nextFrame(timeoutSeconds: timeout)
        let width = frame.header.width, height = frame.header.height
        let palette = (0..<256).map { MaskOverlay.colour(ofClass: UInt8($0)) }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for (index, id) in frame.mask.enumerated() {
            let (r, g, b) = palette[Int(id)]
            pixels[3 * index] = r
            pixels[3 * index + 1] = g
            pixels[3 * index + 2] = b
        }
        try writeBytes(try ImageCodecs.encodePNG(pixels, width: width, height: height, channels: 3), out)
        note("frame \(frame.header.frameNumber): \(width)x\(height) mask -> \(out)")
        if let overlayFrame, let overlayOut {
            let image = try ImageCodecs.load(path: overlayFrame)
            let blended = MaskOverlay.render(image: image, mask: frame.mask, maskWidth: width, maskHeight: height)
            try writeBytes(try ImageCodecs.encodePNG(blended.pixels, width: blended.width, height: blended.height, channels: 3), overlayOut)
            note("overlay \(blended.width)x\(blended.height) -> \(overlayOut)")
        }
    }
}

import Testing
@testable import SegImageIO

@Suite struct MaskOverlayTests {
    @Test func paletteMatchesPascalVOC() {
        #expect(MaskOverlay.colour(ofClass: 0) == (0, 0, 0))
        #expect(MaskOverlay.colour(ofClass: 1) == (128, 0, 0))
        #expect(MaskOverlay.colour(ofClass: 2) == (0, 128, 0))
        #expect(MaskOverlay.colour(ofClass: 15) == (192, 128, 128))
        #expect(MaskOverlay.colour(ofClass: 20) == (0, 64, 128))
    }

    @Test func backgroundIsUntouchedAndClassesBlendAtTheirScaledPosition() {
        let image = RGBImage(width: 4, height: 2, pixels: [UInt8](repeating: 100, count: 4 * 2 * 3))
        // 2x1 mask: left half background, right half class 1; scaled x2 horizontally and vertically.
        let out = MaskOverlay.render(image: image, mask: [0, 1], maskWidth: 2, maskHeight: 1, opacity: 0.5)
        for y in 0..<2 {
            for x in 0..<4 {
                let p = (y * 4 + x) * 3
                let expected: [UInt8] = x < 2 ? [100, 100, 100] : [114, 50, 50]   // (100 + 128) / 2, 100 / 2
                #expect(Array(out.pixels[p..<p + 3]) == expected, "pixel \(x),\(y)")
            }
        }
    }

    @Test func fullOpacityPaintsTheClassColour() {
        let image = RGBImage(width: 3, height: 3, pixels: [UInt8](repeating: 7, count: 27))
        let out = MaskOverlay.render(image: image, mask: [UInt8](repeating: 2, count: 9), maskWidth: 3, maskHeight: 3, opacity: 1)
        #expect(out.pixels == [UInt8](repeating: 0, count: 27).enumerated().map { $0.offset % 3 == 1 ? 128 : 0 })
    }
}

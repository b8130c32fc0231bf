import SegCapture
import Testing

@Suite struct JPEGBoundariesTests {
    private static let jpeg = encodeJPEG(syntheticPhoto(width: 32, height: 24), width: 32, height: 24)

    private func length(_ bytes: [UInt8]) -> Int? { bytes.withUnsafeBytes { JPEGBoundaries.imageLength(in: $0) } }

    @Test func wholeImageEndsAtItsEndMarker() {
        #expect(length(Self.jpeg) == Self.jpeg.count)
    }

    /// UVC cameras and v4l2loopback pad buffers after the image: the padding is trimmed.
    @Test func paddingAfterTheImageIsTrimmed() {
        for padding in [1, 7, 8, 9, 100, 4096] {
            #expect(length(Self.jpeg + [UInt8](repeating: 0, count: padding)) == Self.jpeg.count, "\(padding) zero bytes")
        }
        #expect(length(Self.jpeg + [0xFF, 0x00, 0x12, 0xFF]) == Self.jpeg.count)
    }

    @Test func truncatedImagesHaveNoEnd() {
        for cut in [2, 3, 10, Self.jpeg.count / 2, Self.jpeg.count - 2, Self.jpeg.count - 1] {
            #expect(length(Array(Self.jpeg.prefix(cut))) == nil, "cut at \(cut)")
        }
    }

    @Test func bytesThatDoNotStartAnImageAreRefused() {
        #expect(length([]) == nil)
        #expect(length([0xFF, 0xD8]) == nil, "start-of-image marker only")
        #expect(length([0xFF, 0xD8, 0xFF]) == nil)
        #expect(length([0xFF, 0xD9, 0xFF, 0xD9]) == nil, "no start-of-image marker")
        #expect(length([0x00] + Self.jpeg) == nil, "a byte before the marker")
        #expect(length([UInt8](repeating: 0xFF, count: 64)) == nil)
        // The end marker must come after the start marker, not overlap it.
        #expect(length([0xFF, 0xD8, 0xD9, 0x00]) == nil)
        #expect(length([0xFF, 0xD8, 0xFF, 0xD9]) == 4)
    }

    /// Concatenated images, with padding and garbage between them, are found one by one with
    /// their sizes; a cut-short image at the end is not one.
    @Test func imagesOfAStreamAreFoundInOrder() {
        let second = encodeJPEG(syntheticPhoto(width: 16, height: 8, seed: 2), width: 16, height: 8)
        let stream = Self.jpeg + [0, 0, 0xFF, 0xD8, 0x12] + second + [0xAB] + Array(Self.jpeg.prefix(100))
        var images: [JPEGBoundaries.Image] = []
        stream.withUnsafeBytes { bytes in
            var offset = 0
            while let image = JPEGBoundaries.nextImage(in: bytes, from: offset) {
                images.append(image)
                offset = image.range.upperBound
            }
        }
        let secondStart = Self.jpeg.count + 5
        #expect(images.map(\.range) == [0..<Self.jpeg.count, secondStart..<(secondStart + second.count)])
        #expect(images.map(\.width) == [32, 16])
        #expect(images.map(\.height) == [24, 8])
    }

    /// An image whose header segment hides an end-of-image pair (as an EXIF thumbnail does)
    /// ends at its own end marker, found by walking the segments.
    @Test func markersInsideSegmentsAreSkipped() {
        let comment: [UInt8] = [0xFF, 0xFE, 0x00, 0x06, 0xFF, 0xD9, 0xFF, 0xD8]
        let image = [0xFF, 0xD8] + comment + Self.jpeg.dropFirst(2)
        let found = image.withUnsafeBytes { JPEGBoundaries.nextImage(in: $0, from: 0) }
        #expect(found?.range == 0..<image.count)
    }
}

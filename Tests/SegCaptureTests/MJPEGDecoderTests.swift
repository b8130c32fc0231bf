import CAllocationCounter
import CTurboJPEG
import SegCapture
import SegKernelsConformance
import Testing

/// `MJPEGDecoder` drives libjpeg with its own memory arena; TurboJPEG, a separate path through the
/// same library, is the reference it must equal bit for bit.
@Suite struct MJPEGDecoderTests {
    private static let scales = [DCTScale.full] + [2, 4, 8].map { denominator in
        DCTScale.choose(cropWidth: 8 * denominator, cropHeight: 8 * denominator, destinationWidth: 12, destinationHeight: 12)
    }

    private func decode(_ decoder: MJPEGDecoder, _ jpeg: [UInt8]) -> Result<Void, CorruptFrame> {
        jpeg.withUnsafeBytes { decoder.decode($0) }
    }

    private func pixels(_ decoder: MJPEGDecoder) -> [UInt8] {
        Array(UnsafeBufferPointer(start: decoder.pixels, count: decoder.outputWidth * decoder.outputHeight * 3))
    }

    @Test func scalesAreOneTwoFourEight() {
        #expect(Self.scales.map(\.denominator) == [1, 2, 4, 8])
    }

    /// Random sizes (odd ones included), every subsampling, baseline and progressive, every scale.
    @Test(arguments: [TJSAMP_444, TJSAMP_422, TJSAMP_420, TJSAMP_GRAY], [false, true])
    func decodesAsTurboJPEGDoes(_ subsampling: TJSAMP, _ progressive: Bool) throws {
        var random = SplitMix64(seed: UInt64(subsampling.rawValue) &* 31 &+ (progressive ? 7 : 0))
        for _ in 0..<4 {
            let width = random.int(1..<200), height = random.int(1..<150)
            let jpeg = encodeJPEG(
                syntheticPhoto(width: width, height: height, seed: random.next()), width: width, height: height,
                quality: Int32(random.int(50..<98)), subsampling: subsampling, progressive: progressive)
            for scale in Self.scales {
                let decoder = try MJPEGDecoder(width: width, height: height, scale: scale)
                for _ in 0..<2 {
                    let result = decode(decoder, jpeg)
                    #expect((try? result.get()) != nil, "\(width)x\(height) at \(scale)")
                    let same = pixels(decoder) == decodeJPEG(jpeg, width: decoder.outputWidth, height: decoder.outputHeight)
                    #expect(same, "\(width)x\(height) \(subsampling) progressive \(progressive) at \(scale)")
                }
            }
        }
    }

    /// The first frame sizes the arena (one growth); later frames, corrupt ones among them, neither
    /// grow it nor allocate.
    @Test func theArenaSettlesAfterTheFirstFrame() throws {
        let width = 320, height = 240
        let frames = (1...3).map { encodeJPEG(syntheticPhoto(width: width, height: height, seed: $0), width: width, height: height) }
        let decoder = try MJPEGDecoder(width: width, height: height, scale: .choose(cropWidth: 240, cropHeight: 240, destinationWidth: 161, destinationHeight: 161))
        #expect(decoder.workingMemoryGrowths == 0 && decoder.workingMemoryBytes == 0)
        #expect((try? decode(decoder, frames[0]).get()) != nil)
        #expect(decoder.workingMemoryGrowths == 1)
        #expect(decoder.workingMemoryBytes > 0)
        var corrupt = frames[1]
        for index in stride(from: corrupt.count / 3, to: corrupt.count - 2, by: 97) { corrupt[index] = 0xFF }
        let before = allocation_counter_thread_allocations()
        for round in 0..<30 {
            let frame = round % 5 == 4 ? corrupt : frames[round % 3]
            _ = decode(decoder, frame)
        }
        #expect(allocation_counter_thread_allocations() - before == 0)
        #expect(decoder.workingMemoryGrowths == 1)
        guard case .failure(let reason) = decode(decoder, corrupt) else {
            Issue.record("the corrupt frame decoded")
            return
        }
        #expect(reason == .undecodable)
        #expect(!decoder.lastLibraryMessage.isEmpty)
        #expect((try? decode(decoder, frames[2]).get()) != nil)
        let same = pixels(decoder) == decodeJPEG(frames[2], width: decoder.outputWidth, height: decoder.outputHeight)
        #expect(same)
    }
}

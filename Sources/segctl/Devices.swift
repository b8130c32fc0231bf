import ArgumentParser
import Foundation
import SegCapture

struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List V4L2 capture devices with their formats, sizes and frame rates.",
        discussion: """
            Every /dev/video* node is opened and asked (VIDIOC_QUERYCAP, ENUM_FMT, ENUM_FRAMESIZES, \
            ENUM_FRAMEINTERVALS). Formats in [brackets] are those segd converts; nodes that cannot stream \
            video capture (metadata, output, codec nodes) are listed as such.
            """)

    @Option(help: "Device nodes to query (default: every /dev/video*).") var device: [String] = []
    @Flag(help: "Print one JSON array.") var json = false

    func run() throws {
        let paths = device.isEmpty ? videoNodes() : device
        var listed: [[String: Any]] = []
        for path in paths {
            do {
                let description = try V4L2DeviceDescription.query(path: path)
                if json {
                    listed.append(jsonObject(description))
                } else {
                    print("\(path): \(description.card) (driver \(description.driver), \(description.busInfo))")
                    print(description.canStreamCapture ? description.formatList : "  not a streaming video capture node")
                }
            } catch {
                if json { listed.append(["path": path, "error": error.description]) } else { print("\(path): \(error)") }
            }
        }
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: listed, options: [.sortedKeys]), as: UTF8.self))
        } else if paths.isEmpty {
            print("no /dev/video* nodes")
        }
    }

    private func videoNodes() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []
        return names.filter { $0.hasPrefix("video") && Int($0.dropFirst(5)) != nil }
            .sorted { Int($0.dropFirst(5))! < Int($1.dropFirst(5))! }
            .map { "/dev/" + $0 }
    }

    /// `[first, last, step]` of a stepwise size range.
    private func bounds(_ range: StrideThrough<Int>) -> [Int] {
        let values = Array(range)
        return [values.first ?? 0, values.last ?? 0, values.count > 1 ? values[1] - values[0] : 0]
    }

    private func jsonObject(_ description: V4L2DeviceDescription) -> [String: Any] {
        [
            "path": description.path, "driver": description.driver, "card": description.card, "bus": description.busInfo,
            "capture": description.canStreamCapture,
            "formats": description.formats.map { offer -> [String: Any] in
                var object: [String: Any] = [
                    "fourcc": offer.fourCC, "name": offer.name, "emulated": offer.emulated, "segd_format": offer.format?.rawValue ?? NSNull(),
                ]
                switch offer.sizes {
                case .discrete(let sizes):
                    object["sizes"] = sizes.map { size -> [String: Any] in
                        var entry: [String: Any] = ["width": size.width, "height": size.height]
                        switch size.rates {
                        case .discrete(let rates): entry["fps"] = rates
                        case .continuous(let range): entry["fps_range"] = [range.lowerBound, range.upperBound]
                        }
                        return entry
                    }
                case .stepwise(let widths, let heights):
                    object["stepwise"] = ["width": bounds(widths), "height": bounds(heights)]
                }
                return object
            },
        ]
    }
}

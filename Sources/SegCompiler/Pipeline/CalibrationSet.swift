import Foundation
import SegImageIO

/// Calibration inputs for one model: NHWC float tensors of the model's input shape, from a folder
/// of JPEG/PNG photos (run through the model's preprocessing) or of float32 NCHW `.npy` tensors
/// (used as they are), the first `count` files in name order.
public struct CalibrationSet: Sendable {
    public var tensors: [[Float]]
    /// The files they came from, in order.
    public var files: [String]

    public init(tensors: [[Float]], files: [String]) {
        self.tensors = tensors
        self.files = files
    }

    /// Loads up to `count` inputs from `directory` for a model whose input is `shape`.
    public static func load(
        directory: String, count: Int, shape: TensorShape, preprocessing: ImagePreprocessing
    ) throws(CompilerError) -> CalibrationSet {
        let paths = try files(directory: directory, count: count)
        guard !paths.isEmpty else { throw CompilerError("calibration folder \(directory) has no .jpg, .jpeg, .png or .npy files") }
        var set = CalibrationSet(tensors: [], files: [])
        for path in paths {
            set.tensors.append(try loadInput(path: path, shape: shape, preprocessing: preprocessing))
            set.files.append(path)
        }
        return set
    }

    /// The first `count` JPEG, PNG and `.npy` files of `directory`, in name order.
    public static func files(directory: String, count: Int) throws(CompilerError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
                .filter { name in [".jpg", ".jpeg", ".png", ".npy"].contains { name.lowercased().hasSuffix($0) } }
                .prefix(count).map { (directory as NSString).appendingPathComponent($0) }
        } catch {
            throw CompilerError("calibration folder \(directory): \(error.localizedDescription)")
        }
    }

    /// One model input from a photo or a float32 NCHW `.npy` file, as an NHWC tensor.
    public static func loadInput(path: String, shape: TensorShape, preprocessing: ImagePreprocessing) throws(CompilerError) -> [Float] {
        do {
            if path.lowercased().hasSuffix(".npy") {
                let array = try NumpyArray.parse(try ImageCodecs.readFile(path), name: path)
                let expected = [shape.batch, shape.channels, shape.height, shape.width]
                guard array.shape == expected || array.shape == Array(expected.dropFirst()) && shape.batch == 1 else {
                    throw CompilerError("\(path): tensor shape \(array.shape) does not match the model input \(expected) (NCHW)")
                }
                guard array.values.allSatisfy({ $0.isFinite }) else { throw CompilerError("\(path): tensor holds NaN or infinity") }
                return nchwToNHWC(array.values, channels: shape.channels, height: shape.height, width: shape.width)
            }
            guard shape.channels == 3, shape.batch == 1 else {
                throw CompilerError("\(path): photos need a model with a 1x3xHxW input, this one takes \(shape)")
            }
            return preprocessing.tensor(from: try ImageCodecs.load(path: path))
        } catch let error as ImageCodecError {
            throw CompilerError(error.description)
        } catch let error as CompilerError {
            throw error
        } catch {
            throw CompilerError("\(path): \(error)")
        }
    }
}

/// A compile or inference request that cannot be carried out: says what and why.
public struct CompilerError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

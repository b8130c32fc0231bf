extension NetworkExecutor {
    /// Quantizes an NHWC float tensor of the input's size into the int8 input tensor (the input's
    /// scale and zero point; round half to even, saturating). Allocates nothing. The values must be
    /// finite.
    public func writeInput(_ values: UnsafeBufferPointer<Float>) {
        let slot = program.tensors[program.input]
        precondition(values.count == slot.dims.elementCount, "input needs \(slot.dims.elementCount) values")
        let inverse = Float(1 / slot.scale), out = input
        for i in 0..<values.count { out[i] = quantizeFloat(values[i], inverse, slot.zeroPoint) }
    }

    /// The real values of tensor `id` (NHWC): int8 dequantized with its scale and zero point,
    /// float copied, uint8 class ids converted.
    public func readTensor(_ id: Int, into output: UnsafeMutableBufferPointer<Float>) {
        let slot = program.tensors[id]
        precondition(output.count == slot.dims.elementCount, "output needs \(slot.dims.elementCount) values")
        let raw = pointer(id)
        switch slot.elementType {
        case .int8:
            let q = raw.assumingMemoryBound(to: Int8.self), scale = Float(slot.scale)
            for i in 0..<output.count { output[i] = scale * Float(Int32(q[i]) &- slot.zeroPoint) }
        case .uint8:
            let q = raw.assumingMemoryBound(to: UInt8.self)
            for i in 0..<output.count { output[i] = Float(q[i]) }
        case .float32:
            let f = raw.assumingMemoryBound(to: Float.self)
            for i in 0..<output.count { output[i] = f[i] }
        }
    }
}

import SegKernels

/// Places every tensor of a program in one arena so that tensors alive at the same time never
/// overlap, reusing the space of dead ones (greedy by size, lowest fitting offset).
///
/// A tensor is alive from the layer that writes it to the last layer that reads it; the input, the
/// mask and the logits are alive throughout, so the host can fill and read them and run the network
/// again on the same input.
public enum ArenaPlanner {
    /// Bytes a tensor reserves: its data plus the tail the kernels may read past it, rounded to 64.
    public static func reservedBytes(_ tensor: TensorSlot) -> Int {
        (tensor.byteCount + AlignedBuffer.kernelTailPadding + 63) & ~63
    }

    /// Sets `offset` of every tensor and `arenaByteCount` of `program`.
    public static func plan(_ program: inout NetworkProgram) {
        let count = program.tensors.count
        var first = [Int](repeating: Int.max, count: count)
        var last = [Int](repeating: -1, count: count)
        first[program.input] = -1
        for (index, layer) in program.layers.enumerated() {
            first[layer.output] = min(first[layer.output], index)
            last[layer.output] = max(last[layer.output], index)
            for input in layer.inputs { last[input] = max(last[input], index) }
        }
        let end = program.layers.count
        last[program.mask] = end
        last[program.logits] = end
        last[program.input] = end

        // Largest first; ties by id so the plan is deterministic.
        var order = Array(0..<count)
        order.sort { a, b in
            let sa = reservedBytes(program.tensors[a]), sb = reservedBytes(program.tensors[b])
            return sa != sb ? sa > sb : a < b
        }
        var placed: [(offset: Int, end: Int, first: Int, last: Int)] = []
        var arena = 0
        for id in order {
            let size = reservedBytes(program.tensors[id])
            var live: [(offset: Int, end: Int)] = []
            for p in placed where p.first <= last[id] && first[id] <= p.last { live.append((p.offset, p.end)) }
            live.sort { $0.offset < $1.offset }
            var offset = 0
            for block in live {
                if offset + size <= block.offset { break }
                offset = max(offset, block.end)
            }
            program.tensors[id].offset = offset
            placed.append((offset, offset + size, first[id], last[id]))
            arena = max(arena, offset + size)
        }
        program.arenaByteCount = arena
    }
}

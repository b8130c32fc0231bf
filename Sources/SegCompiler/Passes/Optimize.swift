/// The graph passes in order: batch-norm folding, activation fusion, pad fusion, then dead-node
/// elimination (which also drops the values fusion left unused and renumbers the rest). Every
/// pass preserves the graph's float semantics exactly, up to the rounding of folded weights.
/// Identity and Dropout never reach the graph: the importer removes them.
public func optimize(_ graph: FloatGraph) -> FloatGraph {
    eliminateDeadNodes(fusePadding(fuseActivations(foldBatchNormalization(graph))))
}

extension FloatGraph {
    /// The node that alone reads value `id`, reading it once, when `id` is not a graph output:
    /// what a fusion may merge into `id`'s producer without anyone else seeing the difference.
    func soleConsumer(of id: Int) -> Int? {
        guard !outputs.contains(id) else { return nil }
        let readers = consumers(of: id)
        guard readers.count == 1, nodes[readers[0]].inputs.count(where: { $0 == id }) == 1 else { return nil }
        return readers[0]
    }

    /// Replaces every producer node whose output is read only by a single-input consumer with
    /// `merge(producer, consumer)` where that gives a node, and drops the consumer. The merged node
    /// takes the producer's place in the order (its inputs are computed before it) and must write
    /// the consumer's output. Chains merge repeatedly (Conv, BatchNormalization, Relu).
    func fusingPairs(_ merge: (GraphNode, GraphNode) -> GraphNode?) -> FloatGraph {
        var graph = self
        var i = 0
        while i < graph.nodes.count {
            if let c = graph.soleConsumer(of: graph.nodes[i].output), graph.nodes[c].inputs.count == 1,
                let merged = merge(graph.nodes[i], graph.nodes[c])
            {
                graph.nodes[i] = merged
                graph.nodes.remove(at: c)
            } else {
                i += 1
            }
        }
        return graph
    }
}

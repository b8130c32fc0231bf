/// Drops the nodes no graph output depends on and the values nothing reads or writes any more,
/// renumbering the remaining values in their original order.
public func eliminateDeadNodes(_ graph: FloatGraph) -> FloatGraph {
    var live = Set(graph.outputs)
    var kept: [GraphNode] = []
    for node in graph.nodes.reversed() where live.contains(node.output) {
        kept.append(node)
        live.formUnion(node.inputs)
    }
    kept.reverse()
    live.insert(graph.input)

    var renumbered = [Int](repeating: -1, count: graph.values.count)
    var values: [GraphValue] = []
    for id in graph.values.indices where live.contains(id) {
        renumbered[id] = values.count
        values.append(graph.values[id])
    }
    for i in kept.indices {
        kept[i].inputs = kept[i].inputs.map { renumbered[$0] }
        kept[i].output = renumbered[kept[i].output]
    }
    return FloatGraph(
        values: values, nodes: kept, input: renumbered[graph.input], outputs: graph.outputs.map { renumbered[$0] },
        metadata: graph.metadata)
}

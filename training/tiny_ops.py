"""tiny_ops.onnx: a few-KB hand-built graph (onnx.helper, seeded random weights; seed 4 spreads the
labels over four of the five classes) that touches every op and attribute form the importer must
handle (issue 3, item 2), in one small model:

  input [1,3,33,33]
  Conv 3x3/s2 pads 1 (+bias)            -> c1   [1,8,17,17]
  BatchNormalization                    -> bn1
  Relu                                  -> r1
  Conv 3x3 group 2 dilation 2 pads 2    -> c2   [1,8,17,17]   (grouped, dilated, no bias)
  Clip(0, 6)  (ReLU6; min/max inputs)   -> r6
  Conv 3x3 depthwise (group 8) pads 1   -> dw   [1,8,17,17]
  Pad constant 0, pads t1 l0 b0 r1      -> pd   [1,8,18,18]   (asymmetric)
  MaxPool 3x3/s2 ceil_mode=1            -> mp   [1,8,9,9]     (floor mode would give 8x8)
  AveragePool 3x3/s2 pads 1, count_include_pad=1 (on dw) -> ap [1,8,9,9]
  Add(mp, ap)                           -> s    [1,8,9,9]
  GlobalAveragePool(s)                  -> g    [1,8,1,1]
  Conv 1x1 8->4 (+bias)                 -> gc   [1,4,1,1]
  Resize nearest (sizes 9x9, asymmetric, floor) -> gu [1,4,9,9]   (image pooling without broadcasting)
  Concat(s, gu) axis 1                  -> cat  [1,12,9,9]
  Dropout (inference: identity)         -> dr
  Identity                              -> id
  ConvTranspose 3x3/s2 pads 1 output_padding 1 group 1 (+bias) -> ct [1,6,18,18]
  Relu                                  -> ctr
  Resize linear, scales 2, half_pixel   -> up   [1,6,36,36]
  Resize nearest, sizes 33x33, pytorch_half_pixel, round_prefer_floor -> dn [1,6,33,33]
  Conv 1x1 6->5 (+bias)                 -> logits [1,5,33,33]
  Softmax axis 1                        -> probs  (output)
  ArgMax axis 1 keepdims 1              -> labels [1,1,33,33] int64 (output)
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

INPUT_SIZE = 33
CLASSES = ("background", "a", "b", "c", "d")


def build(opset=13, seed=4):
    rng = np.random.default_rng(seed)
    inits = []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def weight(name, shape):
        fan_in = int(np.prod(shape[1:]))
        return const(name, (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32))

    def bias(name, n):
        return const(name, (rng.standard_normal(n) * 0.1).astype(np.float32))

    N = helper.make_node
    nodes = [
        N("Conv", ["input", weight("c1.w", (8, 3, 3, 3)), bias("c1.b", 8)], ["c1"], name="conv_s2",
          kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        N("BatchNormalization", ["c1",
                                 const("bn1.scale", rng.uniform(0.5, 1.5, 8).astype(np.float32)),
                                 const("bn1.bias", (rng.standard_normal(8) * 0.1).astype(np.float32)),
                                 const("bn1.mean", (rng.standard_normal(8) * 0.2).astype(np.float32)),
                                 const("bn1.var", rng.uniform(0.5, 2.0, 8).astype(np.float32))],
          ["bn1"], name="bn", epsilon=1e-5),
        N("Relu", ["bn1"], ["r1"], name="relu"),
        N("Conv", ["r1", weight("c2.w", (8, 4, 3, 3))], ["c2"], name="conv_group2_dil2",
          kernel_shape=[3, 3], group=2, dilations=[2, 2], pads=[2, 2, 2, 2]),
        N("Clip", ["c2", const("clip.min", np.array(0, np.float32)), const("clip.max", np.array(6, np.float32))],
          ["r6"], name="relu6"),
        N("Conv", ["r6", weight("dw.w", (8, 1, 3, 3))], ["dw"], name="conv_depthwise",
          kernel_shape=[3, 3], group=8, pads=[1, 1, 1, 1]),
        N("Pad", ["dw", const("pad.pads", np.array([0, 0, 1, 0, 0, 0, 0, 1], np.int64)),
                  const("pad.value", np.array(0, np.float32))], ["pd"], name="pad_asym", mode="constant"),
        N("MaxPool", ["pd"], ["mp"], name="maxpool_ceil", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
        N("AveragePool", ["dw"], ["ap"], name="avgpool_incl_pad", kernel_shape=[3, 3], strides=[2, 2],
          pads=[1, 1, 1, 1], count_include_pad=1),
        N("Add", ["mp", "ap"], ["s"], name="add"),
        N("GlobalAveragePool", ["s"], ["g"], name="gap"),
        N("Conv", ["g", weight("gc.w", (4, 8, 1, 1)), bias("gc.b", 4)], ["gc"], name="conv_gap",
          kernel_shape=[1, 1]),
        N("Resize", ["gc", "", "", const("gu.sizes", np.array([1, 4, 9, 9], np.int64))], ["gu"],
          name="resize_nearest_sizes", mode="nearest", coordinate_transformation_mode="asymmetric",
          nearest_mode="floor"),
        N("Concat", ["s", "gu"], ["cat"], name="concat", axis=1),
        N("Dropout", ["cat"], ["dr"], name="dropout"),
        N("Identity", ["dr"], ["id"], name="identity"),
        N("ConvTranspose", ["id", weight("ct.w", (12, 6, 3, 3)), bias("ct.b", 6)], ["ct"], name="convtranspose",
          kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1]),
        N("Relu", ["ct"], ["ctr"], name="relu_ct"),
        N("Resize", ["ctr", "", const("up.scales", np.array([1, 1, 2, 2], np.float32))], ["up"],
          name="resize_linear_scales", mode="linear", coordinate_transformation_mode="half_pixel"),
        N("Resize", ["up", "", "", const("dn.sizes", np.array([1, 6, INPUT_SIZE, INPUT_SIZE], np.int64))], ["dn"],
          name="resize_nearest_down", mode="nearest", coordinate_transformation_mode="pytorch_half_pixel",
          nearest_mode="round_prefer_floor"),
        N("Conv", ["dn", weight("cls.w", (len(CLASSES), 6, 1, 1)), bias("cls.b", len(CLASSES))], ["logits"],
          name="classifier", kernel_shape=[1, 1]),
        N("Softmax", ["logits"], ["probs"], name="softmax", axis=1),
        N("ArgMax", ["probs"], ["labels"], name="argmax", axis=1, keepdims=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny_ops",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, INPUT_SIZE, INPUT_SIZE])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, len(CLASSES), INPUT_SIZE, INPUT_SIZE]),
         helper.make_tensor_value_info("labels", TensorProto.INT64, [1, 1, INPUT_SIZE, INPUT_SIZE])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="segd-training")
    model.ir_version = 8 if opset <= 17 else 9
    onnx.checker.check_model(model, full_check=True)
    return model

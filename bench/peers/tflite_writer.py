"""ONNX -> LiteRT (.tflite) for the peer benchmark, without TensorFlow.

`float_tflite(onnx_path)` writes a float32 NHWC flatbuffer with the object API that the ai-edge-litert
wheel ships (`ai_edge_litert.schema_py_generated`, `ai_edge_litert.tools.flatbuffer_utils`);
`quantize_int8(float_bytes, calibration_inputs)` runs LiteRT's own post-training calibrator and
quantizer (the one TFLiteConverter uses): int8 activations, per-channel int8 weights, int32 bias, float
input and output (QUANTIZE / DEQUANTIZE at the edges).

Mapped ONNX ops (what the segd models use): Conv (group 1 -> CONV_2D, depthwise -> DEPTHWISE_CONV_2D;
a following BatchNormalization is folded, a following Relu / Clip(0,6) fused), ConvTranspose (group 1:
TRANSPOSE_CONV VALID + SLICE for the pads), BatchNormalization after a conv, Relu, Clip(0,6), Add
(+ fused Relu), MaxPool (when its pads equal TFLite SAME or VALID), Relu of a value already >= 0 dropped, Resize linear (half_pixel,
pytorch_half_pixel, align_corners, asymmetric), Concat, Identity, Dropout. Convolution pads that are
neither SAME nor VALID become an explicit PAD. Anything else raises UnsupportedONNX naming the node.
"""
import numpy as np
import onnx
from onnx import numpy_helper


class UnsupportedONNX(Exception):
    pass


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _same_padding(size, k, stride, dilation):
    """TFLite SAME: (output size, pad before, pad after)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0)
    return out, total // 2, total - total // 2


def _onnx_out(size, k, stride, dilation, before, after, ceil=False):
    span = size + before + after - (k - 1) * dilation - 1
    return (-(-span // stride) if ceil else span // stride) + 1


class _Writer:
    def __init__(self, model):
        from ai_edge_litert import schema_py_generated as fb

        self.fb = fb
        self.model = onnx.shape_inference.infer_shapes(model)
        g = self.model.graph
        self.consts = {i.name: numpy_helper.to_array(i) for i in g.initializer}
        self.shapes = {}
        for vi in list(g.input) + list(g.value_info) + list(g.output):
            self.shapes[vi.name] = [d.dim_value for d in vi.type.tensor_type.shape.dim]
        self.consumers = {}
        for n in g.node:
            for i in n.input:
                self.consumers.setdefault(i, []).append(n)
        self.outputs = {o.name for o in g.output}
        m = fb.ModelT()
        m.version = 3
        m.description = "segd bench/peers: written from ONNX without TensorFlow"
        m.buffers = [fb.BufferT()]
        m.operatorCodes = []
        self.m = m
        sg = fb.SubGraphT()
        sg.tensors, sg.operators, sg.name = [], [], "main"
        self.sg = sg
        self.opcodes = {}
        self.tensor_of = {}  # onnx name -> tflite tensor index (NHWC)
        self.absorbed = set()
        self.non_negative = set()  # onnx names known to be >= 0 (a Relu of them is an identity)

    # --- flatbuffer helpers
    def tensor(self, name, shape, ttype=None, data=None):
        fb = self.fb
        t = fb.TensorT()
        t.name = name
        t.shape = np.array(shape, dtype=np.int32)
        t.type = fb.TensorType.FLOAT32 if ttype is None else ttype
        t.buffer = 0
        if data is not None:
            b = fb.BufferT()
            b.data = np.frombuffer(np.ascontiguousarray(data).tobytes(), dtype=np.uint8)
            self.m.buffers.append(b)
            t.buffer = len(self.m.buffers) - 1
        self.sg.tensors.append(t)
        return len(self.sg.tensors) - 1

    def int32_const(self, name, values):
        arr = np.array(values, np.int32)
        return self.tensor(name, arr.shape, self.fb.TensorType.INT32, arr)

    def op(self, code, inputs, outputs, opt_type=0, opts=None):
        fb = self.fb
        if code not in self.opcodes:
            oc = fb.OperatorCodeT()
            oc.builtinCode = code
            oc.deprecatedBuiltinCode = min(code, 127)
            oc.version = 1
            self.opcodes[code] = len(self.m.operatorCodes)
            self.m.operatorCodes.append(oc)
        o = fb.OperatorT()
        o.opcodeIndex = self.opcodes[code]
        o.inputs, o.outputs = list(inputs), list(outputs)
        o.builtinOptionsType, o.builtinOptions = opt_type, opts
        self.sg.operators.append(o)

    def nhwc(self, onnx_name):
        n, c, h, w = self.shapes[onnx_name]
        return [n, h, w, c]

    # --- graph walking
    def sole_consumer(self, name, op_types):
        users = self.consumers.get(name, [])
        if len(users) == 1 and users[0].op_type in op_types and name not in self.outputs:
            return users[0]
        return None

    def fused_activation(self, name):
        """(activation code, output onnx name) after absorbing a following Relu / Clip(0,6)."""
        act = self.fb.ActivationFunctionType
        nxt = self.sole_consumer(name, ("Relu", "Clip"))
        if nxt is None:
            return act.NONE, name
        if nxt.op_type == "Relu":
            self.absorbed.add(id(nxt))
            self.non_negative.add(nxt.output[0])
            return act.RELU, nxt.output[0]
        lo, hi = self.clip_bounds(nxt)
        if (lo, hi) == (0.0, 6.0):
            self.absorbed.add(id(nxt))
            self.non_negative.add(nxt.output[0])
            return act.RELU6, nxt.output[0]
        return act.NONE, name

    def clip_bounds(self, node):
        a = _attrs(node)
        lo = float(self.consts[node.input[1]]) if len(node.input) > 1 and node.input[1] else a.get("min", -np.inf)
        hi = float(self.consts[node.input[2]]) if len(node.input) > 2 and node.input[2] else a.get("max", np.inf)
        return lo, hi

    def unsupported(self, node, what):
        raise UnsupportedONNX(f"node {node.name!r} ({node.op_type}): {what}")

    def convert(self):
        g = self.model.graph
        fb = self.fb
        inp = g.input[0]
        self.tensor_of[inp.name] = self.tensor(inp.name, self.nhwc(inp.name))
        self.sg.inputs = [self.tensor_of[inp.name]]
        for node in g.node:
            if id(node) in self.absorbed:
                continue
            handler = getattr(self, "op_" + node.op_type, None)
            if handler is None:
                self.unsupported(node, "no LiteRT mapping in bench/peers/tflite_writer.py")
            handler(node)
        self.sg.outputs = [self.tensor_of[o.name] for o in g.output]
        self.m.subgraphs = [self.sg]
        from ai_edge_litert.tools import flatbuffer_utils

        return bytes(flatbuffer_utils.convert_object_to_bytearray(self.m))

    def new_output(self, onnx_name):
        t = self.tensor(onnx_name, self.nhwc(onnx_name))
        self.tensor_of[onnx_name] = t
        return t

    # --- ops
    def pad_input(self, node, x, shape, pads):
        """Explicit zero PAD (NHWC) for convolution pads TFLite's SAME cannot express."""
        top, left, bottom, right = pads
        n, h, w, c = shape
        out_shape = [n, h + top + bottom, w + left + right, c]
        paddings = self.int32_const(node.name + "/paddings", [[0, 0], [top, bottom], [left, right], [0, 0]])
        y = self.tensor(node.name + "/padded", out_shape)
        self.op(self.fb.BuiltinOperator.PAD, [x, paddings], [y], self.fb.BuiltinOptions.PadOptions, self.fb.PadOptionsT())
        return y

    def padding_mode(self, node, in_hw, k, s, d, pads):
        """TFLite padding for ONNX pads [top, left, bottom, right]; None when an explicit PAD is needed."""
        fb = self.fb
        if pads == [0, 0, 0, 0]:
            return fb.Padding.VALID
        ok = True
        for size, kk, ss, dd, before, after in ((in_hw[0], k[0], s[0], d[0], pads[0], pads[2]),
                                               (in_hw[1], k[1], s[1], d[1], pads[1], pads[3])):
            out, sb, sa = _same_padding(size, kk, ss, dd)
            ok &= out == _onnx_out(size, kk, ss, dd, before, after) and before == sb
        return fb.Padding.SAME if ok else None

    def op_Conv(self, node):
        fb = self.fb
        a = _attrs(node)
        w = self.consts[node.input[1]].astype(np.float32)
        cout, cin_g, kh, kw = w.shape
        b = self.consts[node.input[2]].astype(np.float32) if len(node.input) > 2 and node.input[2] else np.zeros(cout, np.float32)
        group = a.get("group", 1)
        s = a.get("strides", [1, 1])
        d = a.get("dilations", [1, 1])
        pads = list(a.get("pads", [0, 0, 0, 0]))
        if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
            self.unsupported(node, "auto_pad")
        out_name = node.output[0]
        bn = self.sole_consumer(out_name, ("BatchNormalization",))
        if bn is not None:
            scale, shift, mean, var = (self.consts[i].astype(np.float64) for i in bn.input[1:5])
            k = scale / np.sqrt(var + _attrs(bn).get("epsilon", 1e-5))
            w = (w * k[:, None, None, None]).astype(np.float32)
            b = ((b - mean) * k + shift).astype(np.float32)
            self.absorbed.add(id(bn))
            out_name = bn.output[0]
        act, out_name = self.fused_activation(out_name)
        x = self.tensor_of[node.input[0]]
        in_shape = self.nhwc(node.input[0])
        padding = self.padding_mode(node, in_shape[1:3], [kh, kw], s, d, pads)
        if padding is None:
            x = self.pad_input(node, x, in_shape, pads)
            padding = fb.Padding.VALID
        y = self.new_output(out_name)
        bt = self.tensor(node.name + "/bias", b.shape, data=b)
        cin = in_shape[3]
        if group == 1:
            wt = self.tensor(node.name + "/weights", [cout, kh, kw, cin], data=w.transpose(0, 2, 3, 1))
            opt = fb.Conv2DOptionsT()
            code, opt_type = fb.BuiltinOperator.CONV_2D, fb.BuiltinOptions.Conv2DOptions
        elif group == cin and cin_g == 1:
            wt = self.tensor(node.name + "/weights", [1, kh, kw, cout], data=w.transpose(1, 2, 3, 0))
            opt = fb.DepthwiseConv2DOptionsT()
            opt.depthMultiplier = cout // cin
            code, opt_type = fb.BuiltinOperator.DEPTHWISE_CONV_2D, fb.BuiltinOptions.DepthwiseConv2DOptions
        else:
            self.unsupported(node, f"group {group} (only 1 or depthwise)")
        opt.padding = padding
        opt.strideH, opt.strideW = s
        opt.dilationHFactor, opt.dilationWFactor = d
        opt.fusedActivationFunction = act
        self.op(code, [x, wt, bt], [y], opt_type, opt)

    def op_ConvTranspose(self, node):
        fb = self.fb
        a = _attrs(node)
        w = self.consts[node.input[1]].astype(np.float32)  # [cin, cout, kh, kw]
        cin, cout, kh, kw = w.shape
        if a.get("group", 1) != 1 or a.get("dilations", [1, 1]) != [1, 1]:
            self.unsupported(node, "group / dilation other than 1")
        b = self.consts[node.input[2]].astype(np.float32) if len(node.input) > 2 and node.input[2] else np.zeros(cout, np.float32)
        s = a.get("strides", [1, 1])
        top, left, bottom, right = a.get("pads", [0, 0, 0, 0])
        oph, opw = a.get("output_padding", [0, 0])
        if oph > bottom or opw > right:
            self.unsupported(node, "output_padding larger than the end pads")
        n, h, wd, _ = self.nhwc(node.input[0])
        full = [n, (h - 1) * s[0] + kh, (wd - 1) * s[1] + kw, cout]
        shape_t = self.int32_const(node.name + "/output_shape", full)
        wt = self.tensor(node.name + "/weights", [cout, kh, kw, cin], data=w.transpose(1, 2, 3, 0))
        bt = self.tensor(node.name + "/bias", [cout], data=b)
        out_name = node.output[0]
        target = self.nhwc(out_name)
        cropped = target != full
        y = self.tensor(node.name + "/full", full) if cropped else self.new_output(out_name)
        opt = fb.TransposeConvOptionsT()
        opt.padding = fb.Padding.VALID
        opt.strideH, opt.strideW = s
        self.op(fb.BuiltinOperator.TRANSPOSE_CONV, [shape_t, wt, self.tensor_of[node.input[0]], bt], [y],
                fb.BuiltinOptions.TransposeConvOptions, opt)
        if cropped:
            begin = self.int32_const(node.name + "/begin", [0, top, left, 0])
            size = self.int32_const(node.name + "/size", target)
            self.op(fb.BuiltinOperator.SLICE, [y, begin, size], [self.new_output(out_name)],
                    fb.BuiltinOptions.SliceOptions, fb.SliceOptionsT())

    def op_BatchNormalization(self, node):
        self.unsupported(node, "BatchNormalization not directly after a Conv")

    def op_Relu(self, node):
        if node.input[0] in self.non_negative:  # Relu of a Relu output: identity
            self.tensor_of[node.output[0]] = self.tensor_of[node.input[0]]
            self.non_negative.add(node.output[0])
            return
        self.non_negative.add(node.output[0])
        self.op(self.fb.BuiltinOperator.RELU, [self.tensor_of[node.input[0]]], [self.new_output(node.output[0])])

    def op_Clip(self, node):
        if self.clip_bounds(node) != (0.0, 6.0):
            self.unsupported(node, f"Clip bounds {self.clip_bounds(node)} (only 0..6)")
        self.op(self.fb.BuiltinOperator.RELU6, [self.tensor_of[node.input[0]]], [self.new_output(node.output[0])])

    def op_Add(self, node):
        fb = self.fb
        if self.shapes[node.input[0]] != self.shapes[node.input[1]]:
            self.unsupported(node, "broadcasting Add")
        act, out_name = self.fused_activation(node.output[0])
        opt = fb.AddOptionsT()
        opt.fusedActivationFunction = act
        self.op(fb.BuiltinOperator.ADD, [self.tensor_of[i] for i in node.input], [self.new_output(out_name)],
                fb.BuiltinOptions.AddOptions, opt)

    def op_MaxPool(self, node):
        fb = self.fb
        a = _attrs(node)
        k = a["kernel_shape"]
        s = a.get("strides", [1, 1])
        pads = list(a.get("pads", [0, 0, 0, 0]))
        in_hw = self.nhwc(node.input[0])[1:3]
        out_hw = self.nhwc(node.output[0])[1:3]
        padding = None
        for mode in (fb.Padding.VALID, fb.Padding.SAME):
            if mode == fb.Padding.VALID:
                want = [(sz - kk) // ss + 1 for sz, kk, ss in zip(in_hw, k, s)]
                fits = pads == [0, 0, 0, 0] and want == out_hw
            else:
                same = [_same_padding(sz, kk, ss, 1) for sz, kk, ss in zip(in_hw, k, s)]
                # max ignores padding, so SAME equals ONNX when sizes agree and the leading pads agree
                fits = [o for o, _, _ in same] == out_hw and [same[0][1], same[1][1]] == pads[:2]
            if fits:
                padding = mode
                break
        if padding is None:
            self.unsupported(node, f"pads {pads} / ceil_mode map to neither SAME nor VALID")
        opt = fb.Pool2DOptionsT()
        opt.padding = padding
        opt.strideH, opt.strideW = s
        opt.filterHeight, opt.filterWidth = k
        act, out_name = self.fused_activation(node.output[0])
        opt.fusedActivationFunction = act
        self.op(fb.BuiltinOperator.MAX_POOL_2D, [self.tensor_of[node.input[0]]], [self.new_output(out_name)],
                fb.BuiltinOptions.Pool2DOptions, opt)

    def op_Resize(self, node):
        fb = self.fb
        a = _attrs(node)
        mode = a.get("mode", b"nearest").decode()
        ctm = a.get("coordinate_transformation_mode", b"half_pixel").decode()
        if mode != "linear":
            self.unsupported(node, f"mode {mode}")
        out = self.nhwc(node.output[0])
        opt = fb.ResizeBilinearOptionsT()
        if ctm in ("half_pixel", "pytorch_half_pixel") and min(out[1:3]) > 1:
            opt.halfPixelCenters = True
        elif ctm == "align_corners":
            opt.alignCorners = True
        elif ctm != "asymmetric":
            self.unsupported(node, f"coordinate_transformation_mode {ctm}")
        size = self.int32_const(node.name + "/size", out[1:3])
        self.op(fb.BuiltinOperator.RESIZE_BILINEAR, [self.tensor_of[node.input[0]], size],
                [self.new_output(node.output[0])], fb.BuiltinOptions.ResizeBilinearOptions, opt)

    def op_Concat(self, node):
        fb = self.fb
        axis = _attrs(node)["axis"] % 4
        opt = fb.ConcatenationOptionsT()
        opt.axis = {0: 0, 1: 3, 2: 1, 3: 2}[axis]  # NCHW axis -> NHWC axis
        self.op(fb.BuiltinOperator.CONCATENATION, [self.tensor_of[i] for i in node.input],
                [self.new_output(node.output[0])], fb.BuiltinOptions.ConcatenationOptions, opt)

    def op_Identity(self, node):
        self.tensor_of[node.output[0]] = self.tensor_of[node.input[0]]

    op_Dropout = op_Identity


def float_tflite(onnx_path):
    """float32 .tflite bytes for an ONNX file with a static [1,3,H,W] input (NHWC in and out)."""
    return _Writer(onnx.load(onnx_path)).convert()


def quantize_int8(float_bytes, calibration_inputs_nhwc):
    """LiteRT post-training int8 quantization, calibrated on the given NHWC float32 inputs."""
    from ai_edge_litert import _pywrap_tensorflow_lite_calibration_wrapper as calibration

    cw = calibration.CalibrationWrapper(float_bytes, [], [])
    cw.Prepare([list(calibration_inputs_nhwc[0].shape)])
    for x in calibration_inputs_nhwc:
        cw.FeedTensor([x])
    dt = lambda t: np.dtype(t).num  # noqa: E731
    # (input type, output type, allow float, activation type, bias type, disable per-channel,
    #  disable per-channel for dense)
    return bytes(cw.QuantizeModel(dt(np.float32), dt(np.float32), False, dt(np.int8), dt(np.int32), False, False))

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""tflite_writer — build .tflite (TFLite flatbuffer, identifier "TFL3") files.

Uses only Debian's python3-flatbuffers Builder at the table/vector level; no
flatc-generated code. Field ids and union numbers below follow TensorFlow's
schema.fbs (tensorflow/compiler/mlir/lite/schema/schema.fbs); each table's
fields are listed in schema order, so a field's position is its id.

Typical use:

    import numpy as np
    from tflite_writer import ModelBuilder, INT8, SAME, RELU

    mb = ModelBuilder(description="one conv")
    x = mb.add_tensor("x", INT8, [1, 8, 8, 3], scale=0.02, zero_point=-3)
    w = mb.add_const("w", np.zeros((4, 3, 3, 3), np.int8),
                     scale=[0.01] * 4, zero_point=[0] * 4, quantized_dimension=0)
    b = mb.add_const("b", np.zeros(4, np.int32), scale=[0.0002] * 4, zero_point=[0] * 4)
    y = mb.add_tensor("y", INT8, [1, 8, 8, 4], scale=0.05, zero_point=-128)
    mb.add_op("CONV_2D", [x, w, b], [y], version=3,
              options=dict(padding=SAME, stride_w=1, stride_h=1,
                           fused_activation_function=RELU))
    mb.set_io([x], [y])
    open("conv.tflite", "wb").write(mb.finish())

Conventions kept, as real converters do:
  * buffer 0 is the empty sentinel; every constant gets its own buffer,
    data 16-byte aligned;
  * OperatorCode carries both deprecated_builtin_code (min(code, 127)) and
    builtin_code;
  * optional inputs are tensor index -1 (pass None to add_op).
"""

import struct

import flatbuffers
import numpy as np

# ---- enums (schema.fbs) ------------------------------------------------------

# TensorType
FLOAT32, FLOAT16, INT32, UINT8, INT64, STRING, BOOL, INT16 = 0, 1, 2, 3, 4, 5, 6, 7
COMPLEX64, INT8, FLOAT64 = 8, 9, 10
TENSOR_TYPES = {"FLOAT32": FLOAT32, "FLOAT16": FLOAT16, "INT32": INT32, "UINT8": UINT8,
                "INT64": INT64, "STRING": STRING, "BOOL": BOOL, "INT16": INT16,
                "INT8": INT8, "FLOAT64": FLOAT64}
_NP_OF = {FLOAT32: np.float32, FLOAT16: np.float16, INT32: np.int32, UINT8: np.uint8,
          INT64: np.int64, BOOL: np.bool_, INT16: np.int16, INT8: np.int8,
          FLOAT64: np.float64}

# Padding
SAME, VALID = 0, 1
# ActivationFunctionType
NONE, RELU, RELU_N1_TO_1, RELU6, TANH, SIGN_BIT = 0, 1, 2, 3, 4, 5
ACTIVATIONS = {"NONE": NONE, "RELU": RELU, "RELU_N1_TO_1": RELU_N1_TO_1,
               "RELU6": RELU6, "TANH": TANH, "SIGN_BIT": SIGN_BIT}

# BuiltinOperator: value = position in this list (0..161).
_BUILTIN_NAMES = """ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D
DEPTH_TO_SPACE DEQUANTIZE EMBEDDING_LOOKUP FLOOR FULLY_CONNECTED HASHTABLE_LOOKUP
L2_NORMALIZATION L2_POOL_2D LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION LSTM
MAX_POOL_2D MUL RELU RELU_N1_TO_1 RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX
SPACE_TO_DEPTH SVDF TANH CONCAT_EMBEDDINGS SKIP_GRAM CALL CUSTOM EMBEDDING_LOOKUP_SPARSE
PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TRANSPOSE
MEAN SUB DIV SQUEEZE UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE BIDIRECTIONAL_SEQUENCE_RNN
EXP TOPK_V2 SPLIT LOG_SOFTMAX DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM
ARG_MAX MINIMUM LESS NEG PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN
TRANSPOSE_CONV SPARSE_TO_DENSE TILE EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE
POW ARG_MIN FAKE_QUANT REDUCE_PROD REDUCE_MAX PACK LOGICAL_OR ONE_HOT LOGICAL_AND
LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV REDUCE_ANY SQUARE ZEROS_LIKE FILL FLOOR_MOD RANGE
RESIZE_NEAREST_NEIGHBOR LEAKY_RELU SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE CEIL
REVERSE_V2 ADD_N GATHER_ND COS WHERE RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE
MATRIX_SET_DIAG ROUND HARD_SWISH IF WHILE NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5
SCATTER_ND SELECT_V2 DENSIFY SEGMENT_SUM BATCH_MATMUL PLACEHOLDER_FOR_GREATER_OP_CODES
CUMSUM CALL_ONCE BROADCAST_TO RFFT2D CONV_3D IMAG REAL COMPLEX_ABS HASHTABLE
HASHTABLE_FIND HASHTABLE_IMPORT HASHTABLE_SIZE REDUCE_ALL CONV_3D_TRANSPOSE VAR_HANDLE
READ_VARIABLE ASSIGN_VARIABLE BROADCAST_ARGS RANDOM_STANDARD_NORMAL BUCKETIZE
RANDOM_UNIFORM MULTINOMIAL GELU DYNAMIC_UPDATE_SLICE RELU_0_TO_1 UNSORTED_SEGMENT_PROD
UNSORTED_SEGMENT_MAX UNSORTED_SEGMENT_SUM ATAN2 UNSORTED_SEGMENT_MIN SIGN BITCAST
BITWISE_XOR RIGHT_SHIFT""".split()
BUILTIN_OPS = {name: code for code, name in enumerate(_BUILTIN_NAMES)}
assert BUILTIN_OPS["CUSTOM"] == 32 and BUILTIN_OPS["QUANTIZE"] == 114
assert BUILTIN_OPS["HARD_SWISH"] == 117 and BUILTIN_OPS["RIGHT_SHIFT"] == 161

# ---- builtin options tables ---------------------------------------------------
# name -> (BuiltinOptions union type, fields in schema order). A field is
# (name, kind, default); its id is its position. Kinds: "byte" (enums, incl.
# Padding/ActivationFunctionType/TensorType), "bool", "int", "float",
# "ivec" (vector of int32). Deprecated fields keep their slot (kind None).
_ACT = ("fused_activation_function", "byte", NONE)
OPTIONS = {
    "Conv2DOptions": (1, [("padding", "byte", SAME), ("stride_w", "int", 0),
                          ("stride_h", "int", 0), _ACT,
                          ("dilation_w_factor", "int", 1), ("dilation_h_factor", "int", 1),
                          ("quantized_bias_type", "byte", FLOAT32)]),
    "DepthwiseConv2DOptions": (2, [("padding", "byte", SAME), ("stride_w", "int", 0),
                                   ("stride_h", "int", 0), ("depth_multiplier", "int", 0),
                                   _ACT, ("dilation_w_factor", "int", 1),
                                   ("dilation_h_factor", "int", 1)]),
    "Pool2DOptions": (5, [("padding", "byte", SAME), ("stride_w", "int", 0),
                          ("stride_h", "int", 0), ("filter_width", "int", 0),
                          ("filter_height", "int", 0), _ACT]),
    "FullyConnectedOptions": (8, [_ACT, ("weights_format", "byte", 0),
                                  ("keep_num_dims", "bool", False),
                                  ("asymmetric_quantize_inputs", "bool", False),
                                  ("quantized_bias_type", "byte", FLOAT32)]),
    "SoftmaxOptions": (9, [("beta", "float", 0.0)]),
    "ConcatenationOptions": (10, [("axis", "int", 0), _ACT]),
    "AddOptions": (11, [_ACT, ("pot_scale_int16", "bool", True)]),
    "L2NormOptions": (12, [_ACT]),
    "ResizeBilinearOptions": (15, [("new_height", None, 0), ("new_width", None, 0),
                                   ("align_corners", "bool", False),
                                   ("half_pixel_centers", "bool", False)]),
    "ReshapeOptions": (17, [("new_shape", "ivec", None)]),
    "SpaceToDepthOptions": (19, [("block_size", "int", 0)]),
    "MulOptions": (21, [_ACT]),
    "PadOptions": (22, []),
    "GatherOptions": (23, [("axis", "int", 0), ("batch_dims", "int", 0)]),
    "BatchToSpaceNDOptions": (24, []),
    "SpaceToBatchNDOptions": (25, []),
    "TransposeOptions": (26, []),
    "ReducerOptions": (27, [("keep_dims", "bool", False)]),
    "SubOptions": (28, [_ACT, ("pot_scale_int16", "bool", True)]),
    "DivOptions": (29, [_ACT]),
    "SqueezeOptions": (30, [("squeeze_dims", "ivec", None)]),
    "StridedSliceOptions": (32, [("begin_mask", "int", 0), ("end_mask", "int", 0),
                                 ("ellipsis_mask", "int", 0), ("new_axis_mask", "int", 0),
                                 ("shrink_axis_mask", "int", 0), ("offset", "bool", False)]),
    "ExpOptions": (33, []),
    "SplitOptions": (35, [("num_splits", "int", 0)]),
    "LogSoftmaxOptions": (36, []),
    "CastOptions": (37, [("in_data_type", "byte", FLOAT32),
                         ("out_data_type", "byte", FLOAT32)]),
    "DequantizeOptions": (38, []),
    "MaximumMinimumOptions": (39, []),
    "ArgMaxOptions": (40, [("output_type", "byte", FLOAT32)]),
    "PadV2Options": (43, []),
    "SliceOptions": (48, []),
    "TransposeConvOptions": (49, [("padding", "byte", SAME), ("stride_w", "int", 0),
                                  ("stride_h", "int", 0), _ACT,
                                  ("quantized_bias_type", "byte", FLOAT32)]),
    "TileOptions": (51, []),
    "ExpandDimsOptions": (52, []),
    "ArgMinOptions": (57, [("output_type", "byte", FLOAT32)]),
    "PackOptions": (59, [("values_count", "int", 0), ("axis", "int", 0)]),
    "UnpackOptions": (64, [("num", "int", 0), ("axis", "int", 0)]),
    "ResizeNearestNeighborOptions": (74, [("align_corners", "bool", False),
                                          ("half_pixel_centers", "bool", False)]),
    "LeakyReluOptions": (75, [("alpha", "float", 0.0)]),
    "MirrorPadOptions": (77, [("mode", "byte", 0)]),
    "SplitVOptions": (79, [("num_splits", "int", 0)]),
    "QuantizeOptions": (89, []),
    "HardSwishOptions": (91, []),
    "DepthToSpaceOptions": (94, [("block_size", "int", 0)]),
}

# The options table each builtin op takes (add_op picks it when options is a dict).
OP_OPTIONS = {
    "CONV_2D": "Conv2DOptions", "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions",
    "AVERAGE_POOL_2D": "Pool2DOptions", "MAX_POOL_2D": "Pool2DOptions",
    "L2_POOL_2D": "Pool2DOptions", "FULLY_CONNECTED": "FullyConnectedOptions",
    "SOFTMAX": "SoftmaxOptions", "CONCATENATION": "ConcatenationOptions",
    "ADD": "AddOptions", "L2_NORMALIZATION": "L2NormOptions",
    "RESIZE_BILINEAR": "ResizeBilinearOptions", "RESHAPE": "ReshapeOptions",
    "SPACE_TO_DEPTH": "SpaceToDepthOptions", "MUL": "MulOptions", "PAD": "PadOptions",
    "GATHER": "GatherOptions", "BATCH_TO_SPACE_ND": "BatchToSpaceNDOptions",
    "SPACE_TO_BATCH_ND": "SpaceToBatchNDOptions", "TRANSPOSE": "TransposeOptions",
    "MEAN": "ReducerOptions", "SUM": "ReducerOptions", "REDUCE_MAX": "ReducerOptions",
    "REDUCE_MIN": "ReducerOptions", "REDUCE_PROD": "ReducerOptions",
    "SUB": "SubOptions", "DIV": "DivOptions", "SQUEEZE": "SqueezeOptions",
    "STRIDED_SLICE": "StridedSliceOptions", "EXP": "ExpOptions", "SPLIT": "SplitOptions",
    "LOG_SOFTMAX": "LogSoftmaxOptions", "CAST": "CastOptions",
    "DEQUANTIZE": "DequantizeOptions", "MAXIMUM": "MaximumMinimumOptions",
    "MINIMUM": "MaximumMinimumOptions", "ARG_MAX": "ArgMaxOptions", "PADV2": "PadV2Options",
    "SLICE": "SliceOptions", "TRANSPOSE_CONV": "TransposeConvOptions", "TILE": "TileOptions",
    "EXPAND_DIMS": "ExpandDimsOptions", "ARG_MIN": "ArgMinOptions", "PACK": "PackOptions",
    "UNPACK": "UnpackOptions", "RESIZE_NEAREST_NEIGHBOR": "ResizeNearestNeighborOptions",
    "LEAKY_RELU": "LeakyReluOptions", "MIRROR_PAD": "MirrorPadOptions",
    "SPLIT_V": "SplitVOptions", "QUANTIZE": "QuantizeOptions",
    "HARD_SWISH": "HardSwishOptions", "DEPTH_TO_SPACE": "DepthToSpaceOptions",
}


def dtype_of(x):
    """TensorType for a numpy dtype or a name such as "INT8"."""
    if isinstance(x, int):
        return x
    if isinstance(x, str):
        return TENSOR_TYPES[x.upper()]
    dt = np.dtype(x)
    for code, npt in _NP_OF.items():
        if np.dtype(npt) == dt:
            return code
    raise ValueError(f"no TFLite TensorType for numpy dtype {dt}")


def np_dtype(tensor_type):
    """numpy dtype for a TensorType."""
    return np.dtype(_NP_OF[dtype_of(tensor_type)])


class _Tensor:
    __slots__ = ("name", "type", "shape", "buffer", "scale", "zero_point", "qdim",
                 "is_variable")


class _Op:
    __slots__ = ("opcode", "inputs", "outputs", "options", "custom_options",
                 "intermediates")


class ModelBuilder:
    """Collects tensors, constants and operators of one subgraph; finish()
    serialises them into .tflite bytes. Tensor and op indices are returned in
    the order they were added."""

    def __init__(self, description="fieldscope tflite_writer", subgraph_name="main"):
        self.description = description
        self.subgraph_name = subgraph_name
        self.tensors = []
        self.buffers = [b""]          # buffer 0: the empty sentinel
        self.opcodes = []             # list of (builtin_code, custom_code, version)
        self.ops = []
        self.inputs, self.outputs = [], []
        self.metadata = []            # (name, buffer index)
        self.signature = None

    # -- tensors -----------------------------------------------------------
    def add_tensor(self, name, dtype, shape, scale=None, zero_point=None,
                   quantized_dimension=0, data=None, is_variable=False):
        """Adds a tensor and returns its index.

        dtype: TensorType int, name ("INT8") or numpy dtype.
        scale/zero_point: a number (per-tensor) or a list (per-channel along
        quantized_dimension); None for no quantisation. If zero_point is None
        while scale is given, zero points are 0.
        data: optional raw bytes (or numpy array) for a constant tensor.
        """
        t = _Tensor()
        t.name = name
        t.type = dtype_of(dtype)
        t.shape = [int(d) for d in shape]
        t.scale, t.zero_point, t.qdim = None, None, int(quantized_dimension)
        if scale is not None:
            sc = [float(s) for s in np.atleast_1d(scale)]
            zp = [0] * len(sc) if zero_point is None else [int(z) for z in np.atleast_1d(zero_point)]
            if len(zp) != len(sc):
                raise ValueError(f"tensor {name}: {len(sc)} scales but {len(zp)} zero points")
            if len(sc) > 1 and (t.qdim >= len(t.shape) or t.shape[t.qdim] != len(sc)):
                raise ValueError(f"tensor {name}: {len(sc)} per-channel scales do not match "
                                 f"dimension {t.qdim} of shape {t.shape}")
            t.scale, t.zero_point = sc, zp
        t.buffer = 0
        if data is not None:
            raw = data.tobytes() if isinstance(data, np.ndarray) else bytes(data)
            n = int(np.prod(t.shape)) if t.shape else 1
            want = n * np_dtype(t.type).itemsize
            if len(raw) != want:
                raise ValueError(f"tensor {name}: {len(raw)} data bytes, shape {t.shape} "
                                 f"of {np_dtype(t.type).name} needs {want}")
            self.buffers.append(raw)
            t.buffer = len(self.buffers) - 1
        t.is_variable = bool(is_variable)
        self.tensors.append(t)
        return len(self.tensors) - 1

    def add_const(self, name, array, dtype=None, **quant):
        """Adds a constant tensor from a numpy array (shape and dtype from the
        array unless dtype is given); quant as for add_tensor. Returns its index."""
        arr = np.asarray(array)
        if dtype is not None:
            arr = arr.astype(np_dtype(dtype))
        arr = np.ascontiguousarray(arr)
        return self.add_tensor(name, dtype_of(arr.dtype), arr.shape, data=arr.astype(
            arr.dtype.newbyteorder("<"), copy=False), **quant)

    # -- operators ---------------------------------------------------------
    def opcode_index(self, op, version=1, custom_code=None):
        """Index of the OperatorCode for a builtin name/code (or CUSTOM +
        custom_code) at a version, adding it if new."""
        code = BUILTIN_OPS[op] if isinstance(op, str) else int(op)
        if custom_code is not None:
            code = BUILTIN_OPS["CUSTOM"]
        key = (code, custom_code, int(version))
        if key not in self.opcodes:
            self.opcodes.append(key)
        return self.opcodes.index(key)

    def add_op(self, op, inputs, outputs, options=None, version=1, custom_code=None,
               custom_options=None, intermediates=None):
        """Adds an operator; returns its index.

        op: builtin name ("CONV_2D") or code; use op="CUSTOM" with custom_code
        and custom_options (bytes) for custom ops.
        inputs/outputs: tensor indices; None marks an omitted optional input (-1).
        options: None, a dict of fields for the op's usual options table, or a
        tuple (table_name, dict) to name the table explicitly.
        """
        o = _Op()
        o.opcode = self.opcode_index(op, version, custom_code)
        o.inputs = [-1 if i is None else int(i) for i in inputs]
        o.outputs = [int(i) for i in outputs]
        for i in o.inputs + o.outputs:
            if i >= len(self.tensors):
                raise ValueError(f"op {op}: tensor index {i} out of range "
                                 f"({len(self.tensors)} tensors)")
        if isinstance(options, dict):
            name = OP_OPTIONS.get(op) if isinstance(op, str) else None
            if name is None:
                raise ValueError(f"op {op}: no default options table; pass (table, dict)")
            options = (name, options)
        elif options is None and isinstance(op, str) and op in OP_OPTIONS \
                and not OPTIONS[OP_OPTIONS[op]][1]:
            options = (OP_OPTIONS[op], {})   # empty tables are written, as converters do
        if options is not None:
            table, fields = options
            if table not in OPTIONS:
                raise ValueError(f"unknown options table {table}")
            known = {f[0] for f in OPTIONS[table][1] if f[1] is not None}
            bad = set(fields) - known
            if bad:
                raise ValueError(f"{table}: unknown field(s) {sorted(bad)}; known {sorted(known)}")
        o.options = options
        o.custom_options = None if custom_options is None else bytes(custom_options)
        o.intermediates = intermediates
        self.ops.append(o)
        return len(self.ops) - 1

    def set_io(self, inputs, outputs):
        """Sets the subgraph's input and output tensor indices."""
        self.inputs = [int(i) for i in inputs]
        self.outputs = [int(i) for i in outputs]

    def add_metadata(self, name, data):
        """Adds a Metadata entry (e.g. "min_runtime_version") with its own buffer."""
        self.buffers.append(bytes(data))
        self.metadata.append((name, len(self.buffers) - 1))

    def add_signature(self, key="serving_default", input_names=None, output_names=None):
        """Adds a SignatureDef for subgraph 0 (tensor names by default)."""
        self.signature = (key, input_names, output_names)

    # -- serialisation -----------------------------------------------------
    @staticmethod
    def _ivec(b, values, elem="i"):
        fmt = {"i": (4, b.PrependInt32), "q": (8, b.PrependInt64), "f": (4, b.PrependFloat32),
               "B": (1, b.PrependUint8)}[elem]
        b.StartVector(fmt[0], len(values), fmt[0])
        for v in reversed(values):
            fmt[1](v)
        return b.EndVector()

    @staticmethod
    def _bytes_vec(b, data, align=16):
        # Buffer.data is force_align: 16 so constants can be used in place.
        b.StartVector(1, len(data), align)
        b.head = b.head - len(data)
        b.Bytes[b.head:b.head + len(data)] = data
        return b.EndVector()

    def _options(self, b, table, fields):
        spec = OPTIONS[table][1]
        vec_offsets = {}
        for name, kind, _ in spec:
            if kind == "ivec" and fields.get(name) is not None:
                vec_offsets[name] = self._ivec(b, [int(v) for v in fields[name]])
        b.StartObject(len(spec))
        for slot, (name, kind, default) in enumerate(spec):
            if kind is None or name not in fields:
                continue
            v = fields[name]
            if kind == "byte":
                b.PrependInt8Slot(slot, int(v), int(default))
            elif kind == "bool":
                b.PrependBoolSlot(slot, bool(v), bool(default))
            elif kind == "int":
                b.PrependInt32Slot(slot, int(v), int(default))
            elif kind == "float":
                # Written even when 0.0 so readers see the value the caller chose.
                b.PrependFloat32Slot(slot, float(v), float("nan"))
            elif kind == "ivec" and name in vec_offsets:
                b.PrependUOffsetTRelativeSlot(slot, vec_offsets[name], 0)
        return b.EndObject()

    def finish(self):
        """Serialises the model; returns the .tflite bytes."""
        if not self.outputs:
            raise ValueError("no subgraph outputs: call set_io first")
        b = flatbuffers.Builder(4096)

        # Buffers (data is written first so the big blobs sit together).
        buf_offs = []
        for data in self.buffers:
            d = self._bytes_vec(b, data) if data else None
            b.StartObject(3)
            if d is not None:
                b.PrependUOffsetTRelativeSlot(0, d, 0)
            buf_offs.append(b.EndObject())

        # Tensors.
        t_offs = []
        for t in self.tensors:
            name = b.CreateString(t.name)
            shape = self._ivec(b, t.shape)
            q = None
            if t.scale is not None:
                sc = self._ivec(b, t.scale, "f")
                zp = self._ivec(b, t.zero_point, "q")
                b.StartObject(7)
                b.PrependUOffsetTRelativeSlot(2, sc, 0)
                b.PrependUOffsetTRelativeSlot(3, zp, 0)
                b.PrependInt32Slot(6, t.qdim, 0)
                q = b.EndObject()
            b.StartObject(8)
            b.PrependUOffsetTRelativeSlot(0, shape, 0)
            b.PrependInt8Slot(1, t.type, 0)
            b.PrependUint32Slot(2, t.buffer, 0)
            b.PrependUOffsetTRelativeSlot(3, name, 0)
            if q is not None:
                b.PrependUOffsetTRelativeSlot(4, q, 0)
            b.PrependBoolSlot(5, t.is_variable, False)
            t_offs.append(b.EndObject())

        # Operators.
        op_offs = []
        for o in self.ops:
            ins = self._ivec(b, o.inputs)
            outs = self._ivec(b, o.outputs)
            opt = self._options(b, *o.options) if o.options else None
            cust = self._bytes_vec(b, o.custom_options, 1) if o.custom_options is not None else None
            inter = self._ivec(b, o.intermediates) if o.intermediates else None
            b.StartObject(9)
            b.PrependUint32Slot(0, o.opcode, 0)
            b.PrependUOffsetTRelativeSlot(1, ins, 0)
            b.PrependUOffsetTRelativeSlot(2, outs, 0)
            if opt is not None:
                b.PrependUint8Slot(3, OPTIONS[o.options[0]][0], 0)
                b.PrependUOffsetTRelativeSlot(4, opt, 0)
            if cust is not None:
                b.PrependUOffsetTRelativeSlot(5, cust, 0)
                b.PrependInt8Slot(6, 0, 1)   # custom_options_format FLEXBUFFERS (=0), written
            if inter is not None:
                b.PrependUOffsetTRelativeSlot(8, inter, 0)
            op_offs.append(b.EndObject())

        def table_vec(offs):
            b.StartVector(4, len(offs), 4)
            for off in reversed(offs):
                b.PrependUOffsetTRelative(off)
            return b.EndVector()

        # SubGraph.
        tensors_v = table_vec(t_offs)
        ins_v = self._ivec(b, self.inputs)
        outs_v = self._ivec(b, self.outputs)
        ops_v = table_vec(op_offs)
        sg_name = b.CreateString(self.subgraph_name)
        b.StartObject(5)
        b.PrependUOffsetTRelativeSlot(0, tensors_v, 0)
        b.PrependUOffsetTRelativeSlot(1, ins_v, 0)
        b.PrependUOffsetTRelativeSlot(2, outs_v, 0)
        b.PrependUOffsetTRelativeSlot(3, ops_v, 0)
        b.PrependUOffsetTRelativeSlot(4, sg_name, 0)
        sg = b.EndObject()

        # OperatorCodes.
        oc_offs = []
        for code, custom, version in self.opcodes:
            cc = b.CreateString(custom) if custom is not None else None
            b.StartObject(4)
            # deprecated_builtin_code is a byte; codes above 127 live only in builtin_code.
            b.PrependInt8Slot(0, min(code, 127), 0)
            if cc is not None:
                b.PrependUOffsetTRelativeSlot(1, cc, 0)
            b.PrependInt32Slot(2, version, 1)
            b.PrependInt32Slot(3, code, 0)
            oc_offs.append(b.EndObject())

        md_offs = []
        for name, buf in self.metadata:
            n = b.CreateString(name)
            b.StartObject(2)
            b.PrependUOffsetTRelativeSlot(0, n, 0)
            b.PrependUint32Slot(1, buf, 0)
            md_offs.append(b.EndObject())

        sig = None
        if self.signature is not None:
            key, in_names, out_names = self.signature

            def tmaps(idx, names):
                offs = []
                for k, ti in enumerate(idx):
                    n = b.CreateString(names[k] if names else self.tensors[ti].name)
                    b.StartObject(2)
                    b.PrependUOffsetTRelativeSlot(0, n, 0)
                    b.PrependUint32Slot(1, ti, 0)
                    offs.append(b.EndObject())
                return table_vec(offs)
            iv = tmaps(self.inputs, in_names)
            ov = tmaps(self.outputs, out_names)
            k = b.CreateString(key)
            b.StartObject(5)
            b.PrependUOffsetTRelativeSlot(0, iv, 0)
            b.PrependUOffsetTRelativeSlot(1, ov, 0)
            b.PrependUOffsetTRelativeSlot(2, k, 0)
            b.PrependUint32Slot(4, 0, 1)     # subgraph_index 0, written explicitly
            sig = table_vec([b.EndObject()])

        # Model.
        oc_v = table_vec(oc_offs)
        sg_v = table_vec([sg])
        desc = b.CreateString(self.description)
        bufs_v = table_vec(buf_offs)
        md_v = table_vec(md_offs) if md_offs else None
        b.StartObject(8)
        b.PrependUint32Slot(0, 3, 0)         # schema version 3
        b.PrependUOffsetTRelativeSlot(1, oc_v, 0)
        b.PrependUOffsetTRelativeSlot(2, sg_v, 0)
        b.PrependUOffsetTRelativeSlot(3, desc, 0)
        b.PrependUOffsetTRelativeSlot(4, bufs_v, 0)
        if md_v is not None:
            b.PrependUOffsetTRelativeSlot(6, md_v, 0)
        if sig is not None:
            b.PrependUOffsetTRelativeSlot(7, sig, 0)
        model = b.EndObject()
        b.Finish(model, file_identifier=b"TFL3")
        return bytes(b.Output())


def float_to_bytes(values):
    """Little-endian float32 bytes (helper for custom_options and tests)."""
    return struct.pack("<%df" % len(values), *values)

# SPDX-License-Identifier: BSD-3-Clause
"""Writes the int8 graph as an ONNX QDQ model (opset 13, NCHW), for runtimes
such as ONNX Runtime that fuse QuantizeLinear/DequantizeLinear pairs into
integer kernels. Same weights, biases and activation quantisation as the
.tflite; I/O are the same uint8 conventions ([1, C, H, W] here).
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def write_onnx(q, size, path, in_channels=1):
    h = w = int(size)
    T = q["tensors"]
    nodes, inits = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def qdq(src, name):
        """Quantise float `src` with tensor `name`'s params and dequantise it:
        the marker runtimes use to run the producer in int8."""
        s, z = T[name]
        sc = const(name + ".scale", np.array(s, np.float32))
        zp = const(name + ".zp", np.array(z, np.int8))
        nodes.append(helper.make_node("QuantizeLinear", [src, sc, zp], [name + ".q"]))
        nodes.append(helper.make_node("DequantizeLinear", [name + ".q", sc, zp], [name]))
        return name

    x = helper.make_tensor_value_info("image", TensorProto.UINT8, [1, in_channels, h, w])
    nodes.append(helper.make_node("DequantizeLinear",
                                  ["image", const("image.scale", np.array(1.0, np.float32)),
                                   const("image.zp", np.array(0, np.uint8))], ["image.f"]))
    qdq("image.f", "input")
    for op in q["ops"]:
        k = op["op"]
        n = op["name"]
        if k == "conv":
            wq = op["w"]
            wname = const(n + ".w", wq.astype(np.int8))
            nodes.append(helper.make_node(
                "DequantizeLinear", [wname, const(n + ".w.scale", op["sw"].astype(np.float32)),
                                     const(n + ".w.zp", np.zeros(wq.shape[0], np.int8))],
                [n + ".wf"], axis=0))
            bname = const(n + ".b", op["b"].astype(np.int32))
            nodes.append(helper.make_node(
                "DequantizeLinear", [bname, const(n + ".b.scale", op["sb"].astype(np.float32)),
                                     const(n + ".b.zp", np.zeros(wq.shape[0], np.int32))],
                [n + ".bf"], axis=0))
            p = op["pad"]
            out = n + ".conv"
            nodes.append(helper.make_node("Conv", [op["inp"], n + ".wf", n + ".bf"], [out],
                                          strides=[op["stride"]] * 2, pads=[p] * 4,
                                          group=op["groups"], kernel_shape=list(wq.shape[2:])))
            if op["act"] == "relu6":
                nodes.append(helper.make_node(
                    "Clip", [out, const(n + ".min", np.array(0, np.float32)),
                             const(n + ".max", np.array(6, np.float32))], [n + ".act"]))
                out = n + ".act"
            qdq(out, op["out"])
        elif k == "add":
            nodes.append(helper.make_node("Add", op["inp"], [n + ".sum"]))
            qdq(n + ".sum", op["out"])
        elif k == "resize":
            nodes.append(helper.make_node(
                "Resize", [op["inp"], "", const(n + ".scales", np.array([1, 1, 2, 2], np.float32))],
                [n + ".r"], mode="linear", coordinate_transformation_mode="half_pixel"))
            qdq(n + ".r", op["out"])
        elif k == "concat":
            nodes.append(helper.make_node("Concat", op["inp"], [n + ".c"], axis=1))
            qdq(n + ".c", op["out"])
        elif k == "logistic":
            nodes.append(helper.make_node("Sigmoid", [op["inp"]], [n + ".s"]))
            qdq(n + ".s", op["out"])
    nodes.append(helper.make_node(
        "QuantizeLinear", ["prob", const("prob_u8.scale", np.array(1 / 256, np.float32)),
                           const("prob_u8.zp", np.array(0, np.uint8))], ["probability"]))
    y = helper.make_tensor_value_info("probability", TensorProto.UINT8, [1, 1, h, w])
    g = helper.make_graph(nodes, "m2unet_int8_qdq", [x], [y], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="fieldscope fsmodel")
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return path

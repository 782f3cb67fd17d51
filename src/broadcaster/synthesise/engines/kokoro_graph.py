"""A faster, bit-identical form of the Kokoro int8 graph for CPUs with VNNI.

The shipped model was quantised dynamically: each convolution is
`DynamicQuantizeLinear -> ConvInteger(uint8 x, uint8 w)`, and ConvInteger is
70 % of the inference time. onnxruntime runs ConvInteger only with uint8
weights, on its uint8 x uint8 matrix kernel; its uint8 x int8 kernel, which
VNNI instructions (`vpdpbusd`) run at twice the rate, is reachable only
through MatMulInteger. So each stride-1 convolution is rewritten as

    Transpose(x_q) -> Pad(zero point) -> k shifted Slices -> Concat   (im2col)
    -> MatMulInteger(int8 w - 128, zero point - 128) -> Transpose

with the same int32 result, bit for bit: (x - zx)(w - zw) is unchanged when
both w and zw move down by 128, and integer sums are exact. VNNI adds without
saturating; AVX2's `vpmaddubsw` saturates 16-bit pair sums, which would change
results, so the rewrite is used only where the CPU has VNNI.

Measured here (2-core AMD EPYC, avx512_vnni): the largest convolution,
128x128x11 over 33,600 frames, 94 -> 68 ms.

The rewritten model is made once from the pip-installed one (~3 s) and kept
in BROADCASTER_MODEL_DIR, else $XDG_CACHE_HOME/broadcaster/models, by
kokoro_forms.py, which also chooses the form per CPU.
"""
from __future__ import annotations

import platform
from pathlib import Path

from broadcaster import settings
from broadcaster.settings import user_cache_dir

# BROADCASTER_KOKORO_GRAPH: "auto" (default: the form for this CPU), or a
# form by name (kokoro_forms.FORMS), for tests and benchmarks.
GRAPH_ENV = "BROADCASTER_KOKORO_GRAPH"


def model_dir() -> Path:
    explicit = settings.read("BROADCASTER_MODEL_DIR")
    return Path(explicit) if explicit else user_cache_dir() / "models"


def cpu_has_vnni(cpuinfo: str | None = None) -> bool:
    """True when the x86 CPU adds u8 x s8 products without saturating."""
    if cpuinfo is None:
        if platform.machine().lower() not in ("x86_64", "amd64"):
            return False
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[-1].split())
            return bool(flags & {"avx512_vnni", "avx_vnni"})
    return False


def rewrite_convolutions(path: Path):
    """Load the model at `path` and return it with every 1-D, stride-1,
    ungrouped ConvInteger (uint8 weights in an initializer) replaced as above.
    Anything else is left as it was."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    initializers = {init.name: init for init in graph.initializer}
    used_elsewhere: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            used_elsewhere[name] = used_elsewhere.get(name, 0) + 1

    new_nodes = []
    new_initializers = []
    consts: dict[tuple, str] = {}

    def const(values: list[int]) -> str:
        key = tuple(values)
        if key not in consts:
            name = f"im2col/const/{len(consts)}"
            new_initializers.append(numpy_helper.from_array(np.array(values, np.int64), name))
            consts[key] = name
        return consts[key]

    rewritten_weights: set[str] = set()
    for node in graph.node:
        plan = _conv_plan(node, initializers)
        if plan is None:
            new_nodes.append(node)
            continue
        x_q, w_name, x_zero, w_zero_name = node.input
        kernel, dilation, pad_begin, pad_end = plan
        prefix = f"im2col/{node.name or node.output[0]}"
        weights = numpy_helper.to_array(initializers[w_name])  # [out, in, kernel], uint8
        w_zero = int(numpy_helper.to_array(initializers[w_zero_name]))
        out_ch, in_ch, _ = weights.shape
        # Row j*in + c of the matrix holds tap j of input channel c, matching
        # the Concat of the k shifted slices below.
        matrix = (weights.astype(np.int16) - 128).astype(np.int8).transpose(2, 1, 0).reshape(kernel * in_ch, out_ch)
        new_initializers.append(numpy_helper.from_array(np.ascontiguousarray(matrix), f"{prefix}/w"))
        new_initializers.append(numpy_helper.from_array(np.array(w_zero - 128, np.int8), f"{prefix}/w_zero"))
        rewritten_weights |= {w_name, w_zero_name}

        rows = f"{prefix}/rows"  # [1, time, in]
        new_nodes.append(helper.make_node("Transpose", [x_q], [rows], perm=[0, 2, 1]))
        if pad_begin or pad_end:
            padded = f"{prefix}/padded"
            # Padding in the quantised domain is the zero point: it stands for 0.0.
            new_nodes.append(helper.make_node("Pad", [rows, const([0, pad_begin, 0, 0, pad_end, 0]), x_zero], [padded]))
        else:
            padded = rows
        span = dilation * (kernel - 1)  # the padded length minus the output length
        taps = []
        for j in range(kernel):
            start, from_end = j * dilation, span - j * dilation
            tap = f"{prefix}/tap{j}"
            end = -from_end if from_end else 2**62
            new_nodes.append(helper.make_node("Slice", [padded, const([start]), const([end]), const([1])], [tap]))
            taps.append(tap)
        columns = f"{prefix}/columns"
        if len(taps) > 1:
            new_nodes.append(helper.make_node("Concat", taps, [columns], axis=2))
        else:
            columns = taps[0]
        product = f"{prefix}/product"  # [1, time, out], int32
        new_nodes.append(helper.make_node("MatMulInteger", [columns, f"{prefix}/w", x_zero, f"{prefix}/w_zero"], [product]))
        new_nodes.append(helper.make_node("Transpose", [product], [node.output[0]], perm=[0, 2, 1]))

    if not rewritten_weights:
        return model
    del graph.node[:]
    graph.node.extend(new_nodes)
    still_used = {name for node in graph.node for name in node.input}
    kept = [init for init in graph.initializer if init.name not in rewritten_weights or init.name in still_used]
    del graph.initializer[:]
    graph.initializer.extend(kept + new_initializers)
    return model


def _conv_plan(node, initializers) -> tuple[int, int, int, int] | None:
    """(kernel, dilation, pad_begin, pad_end) when the node can be rewritten."""
    from onnx import TensorProto, helper

    if node.op_type != "ConvInteger" or len(node.input) != 4:
        return None
    weights = initializers.get(node.input[1])
    w_zero = initializers.get(node.input[3])
    if weights is None or w_zero is None or len(weights.dims) != 3 or list(w_zero.dims) not in ([], [1]):
        return None
    if weights.data_type != TensorProto.UINT8 or w_zero.data_type != TensorProto.UINT8:
        return None
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    auto_pad = attrs.get("auto_pad", b"NOTSET")
    if auto_pad not in (b"NOTSET", "NOTSET") or attrs.get("group", 1) != 1:
        return None
    if list(attrs.get("strides", [1])) != [1]:
        return None
    kernel = int(weights.dims[2])
    if list(attrs.get("kernel_shape", [kernel])) != [kernel]:
        return None
    dilation = int(list(attrs.get("dilations", [1]))[0])
    pads = list(attrs.get("pads", [0, 0]))
    return kernel, dilation, int(pads[0]), int(pads[1])

"""A float32 form of the Kokoro int8 graph, made once from the shipped weights.

The shipped model was quantised dynamically. Each convolution reads

    x -> DynamicQuantizeLinear -> ConvInteger(x_q, w_q, x_zero, w_zero)
      -> Add(bias quantised at run time: Floor(bias / (x_scale * w_scale)))
      -> Cast(float) -> Mul(x_scale * w_scale) -> y

and each matrix product the same without the bias (MatMulInteger, then
Cast and Mul; its bias is a float Add after it). Here every such chain *in
the generator* (the waveform maker: 93 % of the inference time) becomes one
float `Conv(x, w, bias)` or `MatMul(x, w)` whose weights are the int8
weights dequantised exactly, `(w_q - w_zero) * w_scale` (the product of an
8-bit integer and a float32 is exact in float64, so rounding it once to
float32 gives what onnxruntime's DequantizeLinear gives). What is dropped
is the quantisation of the *activations*: the float form computes what the
quantised one approximates, so its samples differ from the shipped graph's
(14-15 dB waveform SNR, 20-21 dB spectral SNR on the bench sentences:
scripts/kokoro_quality.py). The text encoder, the duration and pitch
predictor and the decoder blocks stay int8, so durations and pitch are the
shipped graph's and the two waveforms line up sample for sample (and the
file is 142 MB, not the 293 MB of a float graph throughout, which was no
faster). Convolutions become 2-D of height 1 (`_conv_2d` says why); the
graph optimiser then fuses them with their bias and activations.

    >>> model = float_graph(Path("kokoro-v1.0.int8.onnx"))  # doctest: +SKIP
    >>> sorted({n.op_type for n in model.graph.node} & {"ConvInteger", "MatMulInteger"})  # doctest: +SKIP
    []
"""
from __future__ import annotations

from pathlib import Path


GENERATOR = "/decoder/decoder/generator/"


def float_graph(path: Path, scope: str = GENERATOR):
    """The model at `path` with every dynamically quantised ConvInteger and
    MatMulInteger chain whose node name starts with `scope` replaced by a
    float Conv or MatMul; nodes and initializers nothing reads any more are
    removed. A chain of another shape is left as it was."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    initializers = {init.name: init for init in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    readers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            readers.setdefault(name, []).append(node)

    def only_reader(name: str, op_type: str):
        found = readers.get(name, [])
        return found[0] if len(found) == 1 and found[0].op_type == op_type else None

    def weight_scale(scale_name: str, x_scale: str):
        """w_scale from `Mul(x_scale, w_scale)`, or None."""
        mul = producer.get(scale_name)
        if mul is None or mul.op_type != "Mul" or x_scale not in mul.input:
            return None
        other = [name for name in mul.input if name != x_scale]
        return initializers.get(other[0]) if len(other) == 1 else None

    made: dict[tuple[str, ...], str] = {}  # (weights, zero, scale[, bias]) -> float initializer, made once
    replaced: dict[int, list] = {}  # id of the integer node -> the float nodes in its place
    dropped: set[int] = set()  # ids of the chain nodes after it
    new_initializers = []
    for node in graph.node:
        if node.op_type not in ("ConvInteger", "MatMulInteger") or len(node.input) != 4 or not node.name.startswith(scope):
            continue
        quantise = producer.get(node.input[0])
        w_q, w_zero = initializers.get(node.input[1]), initializers.get(node.input[3])
        if quantise is None or quantise.op_type != "DynamicQuantizeLinear" or w_q is None or w_zero is None:
            continue
        if node.input[2] != quantise.output[2]:
            continue
        x_float, x_scale = quantise.input[0], quantise.output[1]
        chain, bias = [], None
        after = readers.get(node.output[0], [])
        if node.op_type == "ConvInteger" and len(after) == 1 and after[0].op_type == "Add":
            add = after[0]
            bias = _quantised_bias(add, node.output[0], producer, initializers)
            if bias is None:
                continue
            chain.append(add)
            cast = only_reader(add.output[0], "Cast")
        else:
            cast = only_reader(node.output[0], "Cast")
        scale_mul = cast and only_reader(cast.output[0], "Mul")
        if scale_mul is None:
            continue
        scale_name = next(name for name in scale_mul.input if name != cast.output[0])
        w_scale = weight_scale(scale_name, x_scale)
        if w_scale is None:
            continue
        bias_value = None
        if bias is not None:
            bias_float, bias_scale = bias
            if bias_scale != scale_name:
                continue
            bias_value = numpy_helper.to_array(bias_float).astype(np.float32)
        chain += [cast, scale_mul]

        zero = numpy_helper.to_array(w_zero).astype(np.float64)
        scale = numpy_helper.to_array(w_scale).astype(np.float64)
        conv = node.op_type == "ConvInteger"
        columns = w_q.dims[-1]
        if conv and (len(w_q.dims) != 3 or not _explicit_pads(node)):
            continue
        if (conv and (zero.size != 1 or scale.size != 1)) or zero.size not in (1, columns) or scale.size not in (1, columns):
            continue
        # Several products share one weight tensor (and its scale): dequantise it once.
        key = (w_q.name, w_zero.name, w_scale.name)
        if key not in made:
            weights = numpy_helper.to_array(w_q).astype(np.float64)
            made[key] = f"float/{len(made)}/w"
            dequantised = (weights - zero.reshape(-1)) * scale.reshape(-1)  # per column, or one value
            if conv:  # [out, in, kernel] -> [out, in, 1, kernel]: see _conv_2d
                dequantised = dequantised[:, :, None, :]
            new_initializers.append(numpy_helper.from_array(dequantised.astype(np.float32), made[key]))
        inputs = [x_float, made[key]]
        if bias_value is not None:
            bias_key = (bias_float.name,)
            if bias_key not in made:
                made[bias_key] = f"float/{len(made)}/b"
                new_initializers.append(numpy_helper.from_array(bias_value, made[bias_key]))
            inputs.append(made[bias_key])
        name = f"float/{node.name or node.output[0]}"
        if conv:
            replaced[id(node)] = _conv_2d(node, inputs, scale_mul.output[0], name)
        else:
            replaced[id(node)] = [helper.make_node("MatMul", inputs, [scale_mul.output[0]], name=name)]
        dropped |= {id(n) for n in chain}

    if not replaced:
        return model
    new_initializers.append(numpy_helper.from_array(np.array([2], np.int64), _HEIGHT_AXIS))
    nodes = [new for node in graph.node if id(node) not in dropped for new in replaced.get(id(node), [node])]
    del graph.node[:]
    graph.node.extend(_live(nodes, [out.name for out in graph.output]))
    graph.initializer.extend(new_initializers)
    used = {name for node in graph.node for name in node.input} | {out.name for out in graph.output}
    kept = [init for init in graph.initializer if init.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    # Shapes recorded for the integer tensors would now be stale.
    kept_info = [info for info in graph.value_info if info.name in used]
    del graph.value_info[:]
    graph.value_info.extend(kept_info)
    return model


_HEIGHT_AXIS = "float/height_axis"


def _conv_2d(node, inputs: list[str], output: str, name: str) -> list:
    """The 1-D convolution `node` as a 2-D one of height 1 between Unsqueeze
    and Squeeze (which only relabel the tensor's shape: no copy).

    Why: onnxruntime's CPU provider runs 1-D float convolutions by im2col
    and a matrix product, but rewrites 2-D ones into its blocked NCHWc form
    (direct AVX2/AVX-512 kernels, at the cost of reordering the data in and
    out: ~4 % of the time). On the Xeon of docs/engines.md's figures the whole
    inference took 17 % less CPU time that way (14.5 s against 17.4 s for
    the four bench sentences, one run each; docs/engines.md, Performance)."""
    from onnx import helper

    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    pads = list(attrs.get("pads", [0, 0]))
    x_4d, y_4d = f"{name}/x_4d", f"{name}/y_4d"
    return [
        helper.make_node("Unsqueeze", [inputs[0], _HEIGHT_AXIS], [x_4d], name=f"{name}/unsqueeze"),
        helper.make_node(
            "Conv", [x_4d, *inputs[1:]], [y_4d], name=name,
            kernel_shape=[1, int(list(attrs["kernel_shape"])[0])] if "kernel_shape" in attrs else None,
            dilations=[1, int(list(attrs.get("dilations", [1]))[0])], strides=[1, int(list(attrs.get("strides", [1]))[0])],
            pads=[0, int(pads[0]), 0, int(pads[1])], group=int(attrs.get("group", 1)),
        ),
        helper.make_node("Squeeze", [y_4d, _HEIGHT_AXIS], [output], name=f"{name}/squeeze"),
    ]


def _explicit_pads(node) -> bool:
    from onnx import helper

    auto_pad = next((helper.get_attribute_value(a) for a in node.attribute if a.name == "auto_pad"), b"NOTSET")
    return auto_pad in (b"NOTSET", "NOTSET")


def _quantised_bias(add, conv_output: str, producer, initializers):
    """(float bias initializer, name of its scale) when `add` adds
    Reshape(Cast(Floor(Div(bias, scale)))) to the convolution, else None."""
    other = [name for name in add.input if name != conv_output]
    if len(other) != 1:
        return None
    node = producer.get(other[0])
    for op_type in ("Reshape", "Cast", "Floor", "Div"):
        if node is None or node.op_type != op_type:
            return None
        if op_type == "Div":
            bias = initializers.get(node.input[0])
            return (bias, node.input[1]) if bias is not None else None
        node = producer.get(node.input[0])
    return None


def _live(nodes: list, outputs: list[str]) -> list:
    """`nodes` less those whose outputs nothing needed reads, in their order."""
    needed = set(outputs)
    keep = []
    for node in reversed(nodes):
        if any(out in needed for out in node.output):
            keep.append(node)
            needed.update(name for name in node.input if name)
    return keep[::-1]

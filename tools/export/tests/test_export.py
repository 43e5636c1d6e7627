import contextlib
import io
import json
import os
import tempfile
import unittest

import numpy as np
import torch
import onnx
from onnx import TensorProto, numpy_helper
from sentencepiece import sentencepiece_model_pb2 as sp_pb2

from retake_export.lm import export as export_lm
from retake_export.lm import fp16_check
from retake_export.lm import onnx_lm
from retake_export.common import manifest as pack_manifest
from retake_export.text import tiny_tokenizer
from retake_export.common.safetensors_io import save_file
from retake_export.lm.step1 import Step1, init_random, tiny_config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PACK = os.path.join(REPO, "test", "fixtures", "generated", "tiny-pack")


def elem_types(model):
    g = model.graph
    return {vi.name: vi.type.tensor_type.elem_type for vi in list(g.input) + list(g.output)}


class ExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cfg = tiny_config()
        cls.master = Step1(cls.cfg)
        init_random(cls.master, 11)
        cls.io = {}
        for dtype, kv in (("fp32", "append"), ("fp16", "append"), ("fp32", "present")):
            m = Step1(cls.cfg)
            m.load_state_dict(cls.master.state_dict())
            path = os.path.join(cls.tmp.name, f"lm.{dtype}.{kv}.onnx")
            cls.io[(dtype, kv)] = (path, onnx_lm.export(m, path, dtype, kv))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_graph_io_matches_the_description(self):
        for (dtype, kv), (path, io) in self.io.items():
            m = onnx.load(path)
            onnx.checker.check_model(m)
            names_in = [i.name for i in m.graph.input]
            names_out = [o.name for o in m.graph.output]
            self.assertEqual(sorted(names_in), sorted(i["name"] for i in io["inputs"]))
            self.assertEqual(names_out, [o["name"] for o in io["outputs"]])
            types = elem_types(m)
            kv_t = TensorProto.FLOAT if dtype == "fp32" else TensorProto.FLOAT16
            self.assertEqual(types["input_ids"], TensorProto.INT64)
            self.assertEqual(types["top_k"], TensorProto.INT64)
            self.assertEqual(types["logits"], TensorProto.FLOAT)  # fp32 logits in every variant
            self.assertEqual(types["top_ids"], TensorProto.INT64)
            prefix = "new" if kv == "append" else "present"
            for layer in range(self.cfg.num_layers):
                self.assertEqual(types[f"past_key_{layer}"], kv_t)
                self.assertEqual(types[f"{prefix}_value_{layer}"], kv_t)
            props = {p.key: p.value for p in m.metadata_props}
            self.assertEqual(props["retake.kv_io"], kv)
            self.assertEqual(json.loads(props["retake.config"])["num_heads"], 48)

    def test_matmul_weights_carry_checkpoint_names_for_quantizers(self):
        path, _ = self.io[("fp32", "append")]
        m = onnx.load(path)
        inits = {i.name: i for i in m.graph.initializer}
        weights = [n.input[1] for n in m.graph.node if n.op_type == "MatMul" and n.input[1] in inits]
        self.assertIn("model.layers.0.self_attn.q_proj.weight_t", weights)
        self.assertIn("lm_head.weight_t", weights)
        self.assertEqual(len(weights), 7 * self.cfg.num_layers + 1)
        q = numpy_helper.to_array(inits["model.layers.1.self_attn.q_proj.weight_t"])
        np.testing.assert_array_equal(q, self.master.model.layers[1].self_attn.q_proj.weight.detach().numpy().T)
        self.assertIn("model.embed_tokens.weight", inits)

    def test_fp16_variant_has_no_bf16_left_and_the_same_weights(self):
        path, _ = self.io[("fp16", "append")]
        m = onnx.load(path)
        self.assertNotIn(TensorProto.BFLOAT16, {i.data_type for i in m.graph.initializer})
        for node in m.graph.node:
            for a in node.attribute:
                if a.name == "to":
                    self.assertNotEqual(a.i, TensorProto.BFLOAT16, node.name)
        inits = {i.name: i for i in m.graph.initializer}
        got = numpy_helper.to_array(inits["lm_head.weight_t"])
        self.assertEqual(got.dtype, np.float16)
        want = self.master.lm_head.weight.detach().numpy().T.astype(np.float16)
        np.testing.assert_array_equal(got, want)
        # The ALiBi slopes stay fp32 in the fp16 graph (the bias is computed in fp32).
        from retake_export.lm.step1 import alibi_slopes

        slope_consts = [numpy_helper.to_array(n.attribute[0].t) for n in m.graph.node
                        if n.op_type == "Constant" and list(n.attribute[0].t.dims) == [4, 12, 1, 1]]
        self.assertEqual(len(slope_consts), 1)
        self.assertEqual(slope_consts[0].dtype, np.float32)
        np.testing.assert_array_equal(-slope_consts[0].ravel(), np.array(alibi_slopes(self.cfg), dtype=np.float32))
        # The fp32 islands of the spec survive: casts to float before the softmax and the RMSNorm mean square.
        casts_to_float = [n for n in m.graph.node if n.op_type == "Cast" and n.attribute[0].i == TensorProto.FLOAT]
        self.assertGreaterEqual(len(casts_to_float), 2 * self.cfg.num_layers + 1)


class GeneratedPackTest(unittest.TestCase):
    """Checks the tiny pack that run-tests.sh generated for the TypeScript tests."""

    def setUp(self):
        if not os.path.exists(os.path.join(PACK, "manifest.json")):
            self.fail(f"{PACK} is missing: run `bash tools/export/run-tests.sh`, which generates it first")
        with open(os.path.join(PACK, "manifest.json"), encoding="utf-8") as f:
            self.manifest = json.load(f)

    def test_every_listed_file_matches_its_hash(self):
        lm = self.manifest["components"]["lm"]
        entries = [e for v in lm["variants"].values() for e in v["files"]]
        entries += self.manifest["components"]["textTokenizer"]["files"]
        self.assertGreaterEqual(len(entries), 4)
        for e in entries:
            self.assertEqual(pack_manifest.file_entry(PACK, e["path"]), e)

    def test_reference_has_the_promised_shape(self):
        with open(os.path.join(PACK, "reference", "lm-reference.json"), encoding="utf-8") as f:
            ref = json.load(f)
        steps, vocab = ref["logits"]["shape"]
        self.assertEqual((steps, vocab), (ref["decodeSteps"] + 1, 74752))
        self.assertEqual(os.path.getsize(os.path.join(PACK, "reference", ref["logits"]["file"])), steps * vocab * 4)
        self.assertEqual(len(ref["greedyIds"]), steps)
        self.assertEqual(ref["promptIds"][:2], [1, 4])

    def test_text_tokenizer_records_its_normalizer_and_chat_template(self):
        tt = self.manifest["components"]["textTokenizer"]
        self.assertEqual(tt["normalizerSpec"]["name"], "nmt_nfkc")
        self.assertTrue(tt["normalizerSpec"]["precompiledCharsmap"])
        with open(tiny_tokenizer.TEMPLATE_FILE, encoding="utf-8") as f:
            self.assertEqual(tt["chatTemplate"]["template"], f.read())
        self.assertNotIn("modelRevision", tt)

    def test_fp16_variant_records_its_activation_check(self):
        variants = self.manifest["components"]["lm"]["variants"]
        check = variants["fp16"]["activationCheck"]
        self.assertEqual(sorted(check), ["ids", "limit", "prompts", "residual", "swiglu"])
        self.assertEqual(len(check["residual"]), 2)
        self.assertTrue(max(check["residual"] + check["swiglu"]) < check["limit"])
        self.assertNotIn("activationCheck", variants["fp32"])


class CheckpointExportTest(unittest.TestCase):
    """The --checkpoint path end to end on a tiny bf16 checkpoint laid out like the published one."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.ckpt = os.path.join(self.tmp.name, "ckpt")
        os.makedirs(self.ckpt)
        self.cfg = tiny_config()
        self.model = Step1(self.cfg)
        init_random(self.model, 5)
        with open(os.path.join(self.ckpt, "step1.json"), "w") as f:
            json.dump(self.cfg.to_json(), f)
        tiny_tokenizer.build(os.path.join(self.ckpt, "tokenizer.model"))

    def save(self, state):
        save_file(os.path.join(self.ckpt, "model.safetensors"), {k: v.to(torch.bfloat16) for k, v in state.items()})

    def export(self, out, *extra):
        args = ["--checkpoint", self.ckpt, "--config", os.path.join(self.ckpt, "step1.json"), "--out", out, "--quiet"]
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = export_lm.main(args + list(extra))
        return code, err.getvalue()

    def test_export_from_safetensors_writes_a_pack(self):
        self.save(self.model.state_dict())
        # A published folder's tokenizer_config.json: its chat template and token strings go into the manifest as
        # they are, special tokens written either way transformers writes them.
        template = "{{ bos_token }}{% for m in messages %}<|BOT|>{{ m['content'] }}<|EOT|>{% endfor %}"
        with open(os.path.join(self.ckpt, "tokenizer_config.json"), "w") as f:
            json.dump({"chat_template": template, "bos_token": {"content": "<s>", "lstrip": False},
                       "eos_token": "</s>", "pad_token": None, "add_bos_token": True}, f)
        out = os.path.join(self.tmp.name, "pack")
        code, err = self.export(out, "--model-revision", "2026-01-29")
        self.assertEqual(code, 0, err)
        with open(os.path.join(out, "manifest.json")) as f:
            man = json.load(f)
        lm = man["components"]["lm"]
        self.assertEqual(sorted(lm["variants"]), ["fp16", "fp32"])
        self.assertEqual(lm["defaultVariant"], {"cpu": "fp32", "gpu": "fp16"})
        tt = man["components"]["textTokenizer"]
        self.assertEqual(tt["files"][0]["path"], "tokenizer.model")
        self.assertEqual(tt["chatTemplate"], {"template": template, "specialTokens": {"bos_token": "<s>", "eos_token": "</s>"}})
        self.assertEqual(tt["modelRevision"], "2026-01-29")
        self.assertEqual(tt["normalizerSpec"], {"name": "nmt_nfkc", "addDummyPrefix": True, "removeExtraWhitespaces": True,
                                                "escapeWhitespaces": True, "precompiledCharsmap": True})
        g = onnx.load(os.path.join(out, "lm.fp32.onnx"))
        inits = {i.name: numpy_helper.to_array(i) for i in g.graph.initializer}
        np.testing.assert_array_equal(inits["lm_head.weight_t"], self.model.lm_head.weight.detach().numpy().T)
        # The fp16 range check ran on the checkpoint's weights and is recorded with the fp16 variant only.
        check = lm["variants"]["fp16"]["activationCheck"]
        self.assertEqual(check["limit"], fp16_check.FP16_ACTIVATION_LIMIT)
        self.assertEqual((len(check["residual"]), len(check["swiglu"])), (2, 2))
        self.assertTrue(0 < max(check["residual"] + check["swiglu"]) < 100)
        self.assertNotIn("activationCheck", lm["variants"]["fp32"])

        os.remove(os.path.join(self.ckpt, "model.safetensors"))
        save_file(os.path.join(self.ckpt, "model.safetensors"), {"lm_head.weight": torch.zeros(2, 2, dtype=torch.bfloat16)})
        code, err = self.export(out)
        self.assertEqual(code, 1)

    def test_refuses_fp16_when_activations_would_overflow(self):
        state = {k: v.clone() for k, v in self.model.state_dict().items()}
        # x4000 keeps every weight far inside fp16 (max ~2,100) but drives layer 0's SwiGLU product to ~4e4.
        state["model.layers.0.mlp.up_proj.weight"] *= 4000
        self.save(state)
        out = os.path.join(self.tmp.name, "pack")
        code, err = self.export(out, "--dtypes", "fp16,fp32")
        self.assertEqual(code, 1)
        self.assertRegex(err, r"fp16 would overflow: on 3 calibration prompts run in fp32, layer 0 swiglu reaches [3-9]\.\d+e\+04")
        self.assertIn("--dtypes fp32", err)
        self.assertFalse(os.path.exists(os.path.join(out, "lm.fp32.onnx")), "nothing is exported when fp16 is refused")
        self.assertFalse(os.path.exists(os.path.join(out, "manifest.json")))
        code, err = self.export(out, "--dtypes", "fp32")
        self.assertEqual(code, 0, err)
        with open(os.path.join(out, "manifest.json")) as f:
            self.assertEqual(list(json.load(f)["components"]["lm"]["variants"]), ["fp32"])

    def test_refuses_a_tokenizer_whose_audio_pieces_are_not_added_tokens(self):
        self.save(self.model.state_dict())
        tok = os.path.join(self.ckpt, "tokenizer.model")
        proto = sp_pb2.ModelProto()
        with open(tok, "rb") as f:
            proto.ParseFromString(f.read())
        for p in proto.pieces:
            if p.piece.startswith("<audio_"):
                p.type = sp_pb2.ModelProto.SentencePiece.NORMAL
        with open(tok, "wb") as f:
            f.write(proto.SerializeToString())
        out = os.path.join(self.tmp.name, "pack")
        code, err = self.export(out)
        self.assertEqual(code, 1)
        self.assertIn("<audio_0> is a NORMAL piece; audio pieces must be USER_DEFINED or CONTROL to be read as one "
                      "token by the transformers-fast tokenizer", err)
        self.assertFalse(os.path.exists(out), "the tokenizer is checked before anything is loaded or written")


if __name__ == "__main__":
    unittest.main()

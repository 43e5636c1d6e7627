"""The decoder (flow + HiFT) against the upstream code's own outputs (test/fixtures/editx/upstream/decoder, written by
retake_export.goldens.upstream_decoder), the loaders' errors, and the pieces the TypeScript reproduces."""

import contextlib
import io
import json
import os
import shutil
import tempfile
import unittest

import torch
import torch.nn.functional as F

from retake_export.common import hyperyaml
from retake_export.common.errors import ExportError
from retake_export.common.paths import REPO
from retake_export.common.safetensors_io import SafetensorsFile, save_file
from retake_export.common.torch_state import fold_weight_norm
from retake_export.flow.checkpoint import (PUBLISHED_FLOW_TENSORS, PUBLISHED_HIFT_TENSORS, expected_counts,
                                           load_flow, load_hift)
from retake_export.flow.model import (Flow, FlowConfig, nearest_indices, prompt_condition, reshape_tokens,
                                      time_grid)
from retake_export.vocoder.hift import HiftConfig

GOLDEN = os.path.join(REPO, "test", "fixtures", "editx", "upstream", "decoder")


def golden():
    with SafetensorsFile(os.path.join(GOLDEN, "golden.safetensors")) as f:
        tensors = {k: f.get(k) for k in f.keys()}
    with open(os.path.join(GOLDEN, "golden.json")) as f:
        return tensors, json.load(f)


def maxdiff(a, b):
    return float((a.float() - b.float()).abs().max())


class UpstreamParityTest(unittest.TestCase):
    """Our torch modules, loaded by name from the upstream modules' state dicts, against the upstream run."""

    @classmethod
    def setUpClass(cls):
        cls.g, cls.meta = golden()
        cls.flow, _ = load_flow(GOLDEN)
        cls.hift, _ = load_hift(GOLDEN)

    def test_reshape_and_prompt_concatenation(self):
        pairs = reshape_tokens(self.meta["promptIds"]) + reshape_tokens(self.meta["generatedIds"])
        self.assertTrue(torch.equal(torch.tensor([pairs]), self.g["flow.tokens"]))

    def test_prompt_condition_bf16_resize(self):
        cond = prompt_condition(self.g["input.prompt_mel"], self.meta["promptTokenFrames"])
        self.assertEqual(maxdiff(cond, self.g["flow.prompt_feat"]), 0.0)

    def test_encoder_mu_and_speaker(self):
        with torch.no_grad():
            self.assertLessEqual(maxdiff(self.flow.encode(self.g["flow.tokens"]), self.g["flow.mu"]), 1e-5)
            self.assertLessEqual(maxdiff(self.flow.speaker(self.g["input.speaker_bf16"]), self.g["flow.spks"]), 1e-6)

    def test_one_estimator_step(self):
        g = self.g
        with torch.no_grad():
            v = self.flow.decoder.estimator(*(g[f"estimator.step0.{k}"] for k in ("x", "mu", "t", "spks", "cond")))
        self.assertLessEqual(maxdiff(v, g["estimator.step0.out"]), 1e-5)

    def test_full_ten_step_mel(self):
        g = self.g
        cond = prompt_condition(g["input.prompt_mel"], self.meta["promptTokenFrames"])
        mel = self.flow.inference(g["flow.tokens"], self.meta["promptTokenFrames"], cond, g["input.speaker"],
                                  g["cfm.noise"])
        # speaker rounded to bf16 by the caller in the reference: same value either way up to bf16
        mel_bf16 = self.flow.inference(g["flow.tokens"], self.meta["promptTokenFrames"], cond,
                                       g["input.speaker_bf16"], g["cfm.noise"])
        self.assertLessEqual(maxdiff(mel_bf16, g["flow.mel"]), 1e-4)
        self.assertGreater(maxdiff(mel, g["flow.mel"]), 0.0)  # the bf16 rounding of the speaker is visible

    def test_hift_f0_source_waveform(self):
        g = self.g
        out = self.hift.inference(g["flow.mel"], g["hift.nsf_phase"], g["hift.nsf_noise"])
        self.assertLessEqual(maxdiff(out["f0"], g["hift.f0"]), 1e-4)
        self.assertLessEqual(maxdiff(out["source"], g["hift.source"]), 1e-5)
        self.assertLessEqual(maxdiff(out["waveform"], g["hift.waveform"]), 1e-4)

    def test_initial_phase_draw_has_no_effect(self):
        # Upstream adds the random initial phases to the first sample's increment only; the linear ×1/480 resampling
        # reads samples 239/240 of each frame, so they never reach the output (documented in the vocoder module).
        g = self.g
        a = self.hift.source(g["hift.f0"], g["hift.nsf_phase"], g["hift.nsf_noise"])
        b = self.hift.source(g["hift.f0"], torch.zeros_like(g["hift.nsf_phase"]), g["hift.nsf_noise"])
        self.assertTrue(torch.equal(a, b))


class SpecPiecesTest(unittest.TestCase):
    def test_reshape_padding(self):
        self.assertEqual(reshape_tokens([1, 2, 1024 + 3, 1024 + 4, 1024 + 5]), [(1, 1028), (2, 1029), (1024, 1030)])
        # 1 leftover: padded with [0, 1024, 1024, 1024] -> vq02 0 and vq06 code 0 (1024 -> 1025)
        self.assertEqual(reshape_tokens([7]), [(7, 1025), (0, 1025), (1024, 1025)])
        # 3 leftovers: padded with [1024, 1024]
        self.assertEqual(reshape_tokens([7, 8, 1024 + 9]), [(7, 1034), (8, 1025), (1024, 1025)])

    def test_time_grid(self):
        lin = torch.linspace(0, 1, 11)
        self.assertLessEqual(maxdiff(time_grid(10), 1 - torch.cos(lin * torch.pi / 2)), 0.0)

    def test_nearest_index_model_matches_torch(self):
        for n_in, n_out in [(20, 18), (1503, 1500), (300, 298), (2999, 3000), (1000, 1002), (50, 1500), (7, 7)]:
            bits = 12
            x = torch.tensor([[(i >> b) & 1 for i in range(n_in)] for b in range(bits)], dtype=torch.float32)[None]
            for dt, flag in ((torch.bfloat16, True), (torch.float32, False)):
                y = F.interpolate(x.to(dt), size=n_out, mode="nearest")[0].float()
                idx = sum(y[b] * (1 << b) for b in range(bits)).long()
                self.assertTrue(torch.equal(idx, nearest_indices(n_in, n_out, flag)), (n_in, n_out, dt))


class LoaderTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        shutil.copy(os.path.join(GOLDEN, "cosyvoice.yaml"), self.tmp)

    def write(self, stem, state):
        save_file(os.path.join(self.tmp, stem + ".safetensors"), state)

    def test_published_counts(self):
        self.assertEqual(expected_counts(FlowConfig(), HiftConfig()), (PUBLISHED_FLOW_TENSORS, PUBLISHED_HIFT_TENSORS))
        names = set(Flow(FlowConfig()).state_dict())
        for n in ["input_embedding.embedding.weight", "spk_embed_affine_layer.weight", "encoder_proj.weight",
                  "encoder.encoders.5.self_attn.pos_bias_u", "encoder.up_layer.conv.weight",
                  "encoder.pre_lookahead_layer.conv1.weight", "decoder.estimator.in_proj.weight",
                  "decoder.estimator.blocks.15.attn.to_q.weight", "decoder.estimator.blocks.15.attn.q_norm.weight",
                  "decoder.estimator.blocks.0.mlp.fc1.weight", "decoder.estimator.final_layer.linear.weight"]:
            self.assertIn(n, names)

    def test_flow_errors_name_every_tensor(self):
        with SafetensorsFile(os.path.join(GOLDEN, "flow.safetensors")) as f:
            state = {k: f.get(k) for k in f.keys()}
        del state["encoder.after_norm.weight"]
        del state["decoder.estimator.blocks.1.mlp.fc2.bias"]
        state["decoder.estimator.extra.weight"] = torch.zeros(3)
        state["encoder_proj.weight"] = torch.zeros(80, 31)
        self.write("flow", state)
        with self.assertRaises(ExportError) as cm:
            load_flow(self.tmp)
        msg = str(cm.exception)
        for part in ["missing (2)", "encoder.after_norm.weight", "decoder.estimator.blocks.1.mlp.fc2.bias",
                     "unexpected (1): decoder.estimator.extra.weight", "encoder_proj.weight [80, 31] (expected [80, 32])"]:
            self.assertIn(part, msg)

    def test_flow_head_count_from_checkpoint(self):
        with open(os.path.join(GOLDEN, "cosyvoice.yaml")) as f:
            text = f.read().replace("attention_heads: 2", "attention_heads: 4")
        with open(os.path.join(self.tmp, "cosyvoice.yaml"), "w") as f:
            f.write(text)
        shutil.copy(os.path.join(GOLDEN, "flow.safetensors"), self.tmp)
        with self.assertRaises(ExportError) as cm:
            load_flow(self.tmp)
        self.assertIn("pos_bias_u has 2 heads but cosyvoice.yaml says attention_heads 4", str(cm.exception))

    def test_hift_errors_and_missing_files(self):
        with SafetensorsFile(os.path.join(GOLDEN, "hift.safetensors")) as f:
            state = {k: f.get(k) for k in f.keys()}
        del state["conv_post.weight_g"]
        self.write("hift", state)
        with self.assertRaises(ExportError) as cm:
            load_hift(self.tmp)
        self.assertIn("conv_post.weight_v has no partner conv_post.weight_g", str(cm.exception))
        del state["conv_post.weight_v"]
        del state["ups.0.bias"]
        self.write("hift", state)
        with self.assertRaises(ExportError) as cm:
            load_hift(self.tmp)
        self.assertIn("missing (2): conv_post.weight, ups.0.bias", str(cm.exception))
        os.remove(os.path.join(self.tmp, "hift.safetensors"))
        with self.assertRaises(ExportError) as cm:
            load_hift(self.tmp)
        self.assertIn("neither hift.pt nor hift.safetensors", str(cm.exception))
        os.remove(os.path.join(self.tmp, "cosyvoice.yaml"))
        with self.assertRaises(ExportError) as cm:
            load_flow(self.tmp)
        self.assertIn("no cosyvoice.yaml", str(cm.exception))

    def test_weight_norm_forms_agree(self):
        with SafetensorsFile(os.path.join(GOLDEN, "hift.safetensors")) as f:
            gv = {k: f.get(k) for k in f.keys()}
        param = {}
        for k, v in gv.items():
            if k.endswith(".weight_g"):
                param[k[: -len(".weight_g")] + ".parametrizations.weight.original0"] = v
            elif k.endswith(".weight_v"):
                param[k[: -len(".weight_v")] + ".parametrizations.weight.original1"] = v
            else:
                param[k] = v
        a, form_a = fold_weight_norm(gv)
        b, form_b = fold_weight_norm(param)
        self.assertEqual((form_a, form_b), ("weight_g/weight_v", "parametrizations"))
        self.assertEqual(set(a), set(b))
        for k in a:
            self.assertTrue(torch.equal(a[k], b[k]), k)
        plain, form = fold_weight_norm(a)
        self.assertEqual(form, "plain (weight norm removed)")


class HyperYamlTest(unittest.TestCase):
    def test_tags_refs_and_arithmetic(self):
        y = hyperyaml.load("sample_rate: 24000\nchunk: 25\nratio: 2\n"
                           "hift: !new:pkg.mod.HiFT\n    sampling_rate: !ref <sample_rate>\n"
                           "    frames: !ref <chunk> * <ratio>\n    f0: !new:pkg.F0\n        n: 1\n"
                           "mel: !name:pkg.audio.mel\n    n_fft: 1920\n")
        self.assertEqual(y["hift"].tag, "new:pkg.mod.HiFT")
        self.assertEqual(y["hift"]["sampling_rate"], 24000)
        self.assertEqual(y["hift"]["frames"], 50)
        self.assertEqual(y["hift"]["f0"].class_name, "F0")
        self.assertEqual(y["mel"]["n_fft"], 1920)

    def test_round_trip_of_the_golden_config(self):
        y = hyperyaml.load_file(os.path.join(GOLDEN, "cosyvoice.yaml"))
        self.assertEqual(hyperyaml.load(hyperyaml.dump(y)), y)


if __name__ == "__main__":
    unittest.main()


class ExportTest(unittest.TestCase):
    """The exporter's decoder commands: graphs written and checked by onnx, their I/O as the manifest records it,
    settings from cosyvoice.yaml. (Numerical ONNX-vs-torch parity runs in TypeScript on onnxruntime-node, which is
    what the app uses: test/integration/editx-decoder/torch-vs-onnx.test.ts.)"""

    @classmethod
    def setUpClass(cls):
        from retake_export.flow import export as flow_export
        from retake_export.vocoder import export as vocoder_export

        cls.tmp = tempfile.mkdtemp()
        rc = flow_export.main(["--checkpoint", GOLDEN, "--out", cls.tmp, "--standin-speaker",
                               "--noise", os.path.join(GOLDEN, "golden.safetensors") + ":cfm.noise"])
        rc2 = vocoder_export.main(["--checkpoint", GOLDEN, "--out", cls.tmp])
        assert rc == 0 and rc2 == 0
        with open(os.path.join(cls.tmp, "manifest.json")) as f:
            cls.manifest = json.load(f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_graphs_and_io(self):
        import onnx

        c = self.manifest["components"]
        want = {
            "flow_encoder.onnx": (["tokens"], ["mu"]),
            "flow_estimator.onnx": (["x", "mu", "t", "spks", "cond"], ["velocity"]),
            "flow_speaker.onnx": (["embedding"], ["speaker"]),
            "hift_f0.onnx": (["mel"], ["f0"]),
            "hift_trunk.onnx": (["mel", "source_stft"], ["real", "imag"]),
        }
        graphs = {**c["flow"]["graphs"], **c["vocoder"]["graphs"]}
        self.assertEqual(len(graphs), 5)
        for g in graphs.values():
            path = os.path.join(self.tmp, g["files"][0]["path"])
            m = onnx.load(path)
            onnx.checker.check_model(m)
            ins, outs = want[g["files"][0]["path"]]
            self.assertEqual([i["name"] for i in g["inputs"]], ins)
            self.assertEqual([o["name"] for o in g["outputs"]], outs)
            self.assertEqual([i.name for i in m.graph.input], ins)
        est = c["flow"]["graphs"]["estimator"]["inputs"][0]
        self.assertEqual(est["shape"], [1, 80, "frames"])
        self.assertEqual(c["flow"]["graphs"]["encoder"]["inputs"][0], {"name": "tokens", "dtype": "int64",
                                                                        "shape": [1, "token_frames", 2]})

    def test_settings_from_yaml_and_noise(self):
        c = self.manifest["components"]
        self.assertEqual(c["flow"]["settings"]["settingsFrom"], "cosyvoice.yaml")
        self.assertEqual(c["flow"]["settings"]["cfgRate"], 0.7)
        self.assertEqual(c["flow"]["config"]["encoderHeads"], 2)
        self.assertEqual(c["flow"]["promptMel"]["fmax"], 8000.0)
        self.assertEqual(c["vocoder"]["source"]["harmonics"], 9)
        self.assertEqual(c["vocoder"]["source"]["voicedThreshold"], 10.0)
        g, _ = golden()
        noise = g["cfm.noise"][0]
        self.assertEqual(c["flow"]["noise"]["shape"], list(noise.shape))
        import numpy as np

        raw = np.fromfile(os.path.join(self.tmp, "flow_noise.f32"), dtype="<f4").reshape(noise.shape)
        self.assertTrue(np.array_equal(raw, noise.numpy()))
        self.assertNotIn("seed", c["flow"]["noise"])
        lin = load_hift(GOLDEN)[0].m_source.l_linear
        self.assertEqual(c["vocoder"]["source"]["mergeWeight"], [float(x) for x in lin.weight.reshape(-1)])

    def test_missing_campplus_is_an_error(self):
        from retake_export.flow import export as flow_export

        err = io.StringIO()
        with tempfile.TemporaryDirectory() as out, contextlib.redirect_stderr(err):
            self.assertEqual(flow_export.main(["--checkpoint", GOLDEN, "--out", out]), 1)
        self.assertIn("no campplus.onnx", err.getvalue())

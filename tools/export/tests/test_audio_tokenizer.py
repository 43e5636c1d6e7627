"""The audio tokenizer exporter (retake_export.tokenizer): our encoder against the goldens computed by the upstream code
(test/fixtures/editx/upstream/tokenizer, written by retake_export.goldens.upstream_tokenizer), the checkpoint loader's
errors, the front-end rules, the ONNX graph on onnxruntime-node, and `tokenizer --from` on a published-style folder."""

import base64
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

from retake_export.common import manifest as pack_manifest
from retake_export.common.errors import ExportError
from retake_export.common.safetensors_io import SafetensorsFile
from retake_export.tokenizer import export as tok_export
from retake_export.tokenizer import frontend, s3_standin
from retake_export.tokenizer.paraformer import (EncoderConfig, ParaformerEncoder, check_tensors, expected_tensors,
                                                init_random, load_encoder, tiny_config)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
GOLDENS = os.path.join(REPO, "test", "fixtures", "editx", "upstream", "tokenizer")
PACK = os.path.join(REPO, "test", "fixtures", "generated", "tiny-pack")
ORT_RUN = os.path.join(REPO, "tools", "export", "tests", "ort_run.mjs")
CORPUS = os.path.join(REPO, "..", "shared", "corpus")


def goldens():
    path = os.path.join(GOLDENS, "goldens.json")
    if not os.path.exists(path):
        raise AssertionError(f"{path} is missing: the upstream goldens are committed with the repository")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def golden_tensors():
    with SafetensorsFile(os.path.join(GOLDENS, "model.safetensors")) as f:
        return {k: f.get(k) for k in f.keys()}


def npy(name):
    return np.load(os.path.join(GOLDENS, name))


def split(feats, plan):
    return np.split(feats, np.cumsum(plan)[:-1])


def tensor_json(a):
    a = np.ascontiguousarray(a)
    return {"dtype": str(a.dtype), "dims": list(a.shape), "b64": base64.b64encode(a.tobytes()).decode()}


def from_json(t):
    return np.frombuffer(base64.b64decode(t["b64"]), dtype=t["dtype"]).reshape(t["dims"])


def ort_chain(model_path, chunks, state):
    """Runs the vq02 step graph on onnxruntime-node over `chunks`, carrying the state from run to run."""
    if shutil.which("node") is None:
        raise AssertionError("node is not on PATH: the ONNX checks run the graph on onnxruntime-node")
    runs = [{"inputs": {"feats": tensor_json(c[None])}} for c in chunks]
    runs[0]["inputs"].update(offset=tensor_json(state[0]), overlap=tensor_json(state[1]), cache=tensor_json(state[2]))
    req = {"model": model_path, "runs": runs,
           "carry": {"offset": "next_offset", "overlap": "next_overlap", "cache": "next_cache"}}
    r = subprocess.run(["node", ORT_RUN], input=json.dumps(req), capture_output=True, text=True, cwd=REPO)
    if r.returncode != 0:
        raise AssertionError(f"onnxruntime-node failed: {r.stderr[-2000:]}")
    return [{k: from_json(v) for k, v in run["outputs"].items()} for run in json.loads(r.stdout)["runs"]]


class NamesAndLoaderTest(unittest.TestCase):
    def test_published_model_has_652_tensors_under_upstream_names(self):
        names = expected_tensors(EncoderConfig())
        self.assertEqual(len(names), 652)  # EDITX-SPEC.md §4: 50 × 13 + 2
        self.assertIn("encoder.encoders0.0.self_attn.linear_q_k_v.weight", names)
        self.assertEqual(names["encoder.encoders0.0.self_attn.linear_q_k_v.weight"], (1536, 560))
        self.assertEqual(names["encoder.encoders.48.self_attn.fsmn_block.weight"], (512, 1, 11))
        self.assertIn("encoder.after_norm.bias", names)
        self.assertNotIn("encoder.encoders.49.norm1.weight", names)

    def test_golden_state_dict_is_exactly_our_module_tree(self):
        tensors = golden_tensors()
        self.assertEqual({k: tuple(v.shape) for k, v in tensors.items()}, expected_tensors(tiny_config()))

    def test_every_missing_unexpected_and_misshaped_tensor_is_named(self):
        found = dict(expected_tensors(tiny_config()))
        del found["encoder.encoders.1.feed_forward.w_2.bias"]
        del found["encoder.after_norm.weight"]
        found["encoder.encoders.0.self_attn.linear_k.weight"] = (64, 64)
        found["encoder.encoders0.0.norm1.weight"] = (512,)
        found["decoder.decoders.0.norm1.weight"] = (64,)
        with self.assertRaises(ExportError) as cm:
            check_tensors(tiny_config(), found, "ckpt.pt")
        msg = str(cm.exception)
        for s in ("missing (2): encoder.after_norm.weight, encoder.encoders.1.feed_forward.w_2.bias",
                  "unexpected (1): encoder.encoders.0.self_attn.linear_k.weight",
                  "misshaped (1): encoder.encoders0.0.norm1.weight: checkpoint [512], model [560]", "ckpt.pt"):
            self.assertIn(s, msg)
        self.assertNotIn("decoder.", msg)

    def test_tensors_outside_the_encoder_are_left_out_and_reported(self):
        tensors = golden_tensors()
        tensors["decoder.embed.0.weight"] = torch.zeros(3, 2)
        tensors["predictor.cif_output.bias"] = torch.zeros(1)
        _, others = load_encoder(tiny_config(), tensors, "x")
        self.assertEqual(others, ["decoder.embed.0.weight", "predictor.cif_output.bias"])


class UpstreamGoldenTest(unittest.TestCase):
    """Our torch encoder, written from the spec, against upstream's SANMEncoderChunkOpt run by upstream's own code."""

    @classmethod
    def setUpClass(cls):
        cls.g = goldens()
        cls.model, _ = load_encoder(tiny_config(), golden_tensors(), "goldens")
        cls.codebook = torch.from_numpy(npy("linguistic_tokenizer.npy"))

    def test_chunked_encoder_reproduces_upstream_outputs_and_codes(self):
        self.assertEqual(len(self.g["excerpts"]), 3)
        for ex in self.g["excerpts"]:
            feats = torch.from_numpy(npy(f"{ex['name']}.feats.npy"))
            out = torch.cat(self.model.run_chunks(list(torch.split(feats, ex["chunkFrames"]))))
            ref = torch.from_numpy(npy(f"{ex['name']}.enc.npy"))
            self.assertEqual(out.shape, ref.shape)
            self.assertLessEqual(float((out - ref).abs().max()), 1e-5, ex["name"])
            self.assertEqual(torch.cdist(out, self.codebook).argmin(1).tolist(), ex["codes"], ex["name"])

    def test_a_whole_utterance_pass_differs_which_is_why_the_reference_chunks(self):
        ex = self.g["excerpts"][0]
        feats = torch.from_numpy(npy(f"{ex['name']}.feats.npy"))
        whole = self.model.run_chunks([feats])[0]
        ref = torch.from_numpy(npy(f"{ex['name']}.enc.npy"))
        self.assertGreater(float((whole - ref).abs().max()), 0.1)

    def test_chunk_plan_matches_upstream_for_every_recorded_length(self):
        with open(os.path.join(GOLDENS, "plans.json"), encoding="utf-8") as f:
            plans = json.load(f)["vq02"]
        self.assertGreater(len(plans), 200)
        wrong = {n: (p, frontend.chunk_plan(int(n))) for n, p in plans.items() if frontend.chunk_plan(int(n)) != p}
        self.assertEqual(wrong, {})
        for ex in self.g["excerpts"]:
            self.assertEqual(frontend.chunk_plan(ex["samples"]), ex["chunkFrames"])

    def test_streaming_features_are_the_offline_ones_of_the_wav_round_trip_cut_to_the_plan(self):
        shift, scale = frontend.read_am_mvn(os.path.join(GOLDENS, "am.mvn"))
        for ex in self.g["excerpts"]:
            audio = npy(f"{ex['name']}.audio16k.npy")
            plan = frontend.chunk_plan(len(audio))
            ours = frontend.offline_features(frontend.wav_roundtrip(audio), shift, scale).numpy()[:sum(plan)]
            ref = npy(f"{ex['name']}.feats.npy")
            self.assertEqual(ours.shape, ref.shape)
            self.assertLessEqual(float(np.abs(ours - ref).max()), 1e-5, ex["name"])
            # Without the round trip the quiet frames move by ~1e-3: the hand-off is part of the reference.
            raw = frontend.offline_features(audio, shift, scale).numpy()[:sum(plan)]
            self.assertGreater(float(np.abs(raw - ref).max()), 1e-4, ex["name"])

    def test_our_lfr_matches_upstreams_offline_front_end_including_the_padded_tail(self):
        shift, scale = frontend.read_am_mvn(os.path.join(GOLDENS, "am.mvn"))
        ex = self.g["excerpts"][0]  # its offline LFR has a padded last frame that the streaming run drops
        audio = npy(f"{ex['name']}.audio16k.npy")
        ours = frontend.offline_features(audio, shift, scale).numpy()
        ref = npy(f"{ex['name']}.offline-feats.npy")
        self.assertEqual(ours.shape, ref.shape)
        self.assertEqual(ours.shape[0], sum(ex["chunkFrames"]) + 1)
        self.assertLessEqual(float(np.abs(ours - ref).max()), 1e-5)


class FrontEndTest(unittest.TestCase):
    def test_am_mvn_is_read_as_written(self):
        shift, scale = frontend.random_cmvn(560, 3)
        with tempfile.TemporaryDirectory() as tmp:
            p = os.path.join(tmp, "am.mvn")
            frontend.write_am_mvn(p, shift, scale)
            s2, r2 = frontend.read_am_mvn(p)
        np.testing.assert_allclose(s2, shift, atol=1e-6)
        np.testing.assert_allclose(r2, scale, atol=1e-6)

    def test_am_mvn_without_rescale_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = os.path.join(tmp, "am.mvn")
            with open(p, "w") as f:
                f.write("<Nnet>\n<AddShift> 2 2\n<LearnRateCoef> 0 [ 1 2 ]\n</Nnet>\n")
            with self.assertRaisesRegex(ExportError, "no <Rescale>"):
                frontend.read_am_mvn(p)

    def test_wav_round_trip_is_bit_exact_against_torchaudio_and_sox(self):
        import torchaudio

        rng = np.random.default_rng(5)
        x = np.concatenate([rng.uniform(-1, 1, 4000) * rng.choice([1e-6, 1e-3, 1.0], 4000),
                            [1.0, -1.0, 0.9999999, -0.9999999, 1e-12, -1e-12, 0.0, 2 ** -25, -(2 ** -25)]])
        x = x.astype(np.float32)
        buf = io.BytesIO()
        torchaudio.save(buf, torch.from_numpy(x)[None], 16000, format="wav")
        buf.seek(0)
        y, _ = torchaudio.load(buf)
        np.testing.assert_array_equal(frontend.wav_roundtrip(x), y[0].numpy())

    def test_chunk_plan_edges(self):
        self.assertEqual(frontend.chunk_plan(0), [])
        self.assertEqual(frontend.chunk_plan(399), [])
        self.assertEqual(frontend.chunk_plan(3840), [4])  # exact stride: the pending LFR frames are never flushed
        self.assertEqual(frontend.chunk_plan(4800), [4, 1])
        self.assertEqual(sum(frontend.chunk_plan(30 * 16000)), 500)  # 16.67 per second


class OnnxGraphTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "pack")
        with contextlib.redirect_stdout(io.StringIO()):
            cls.components = tok_export.run_from(GOLDENS, cls.out, skip_vq06=True, log=print)
        cls.model, _ = load_encoder(tiny_config(), golden_tensors(), "goldens")
        cls.g = goldens()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_graph_io_matches_the_manifest(self):
        enc = self.components["vq02"]["encoder"]
        m = onnx.load(os.path.join(self.out, enc["files"][0]["path"]))
        onnx.checker.check_model(m)
        self.assertEqual([i.name for i in m.graph.input], [t["name"] for t in enc["inputs"]])
        self.assertEqual([o.name for o in m.graph.output], [t["name"] for t in enc["outputs"]])
        self.assertEqual(enc["inputs"][3]["shape"], [4, 2, 4, "past", 16])

    def test_onnxruntime_reproduces_upstream_and_torch_chunk_by_chunk(self):
        path = os.path.join(self.out, "vq02.onnx")
        for ex in self.g["excerpts"]:
            chunks = split(npy(f"{ex['name']}.feats.npy"), ex["chunkFrames"])
            state = [t.numpy() for t in self.model.initial_state()]
            runs = ort_chain(path, chunks, state)
            out = np.concatenate([r["enc"][0] for r in runs])
            torch_out = torch.cat(self.model.run_chunks([torch.from_numpy(c) for c in chunks])).numpy()
            self.assertLessEqual(float(np.abs(out - npy(f"{ex['name']}.enc.npy")).max()), 1e-4, ex["name"])
            self.assertLessEqual(float(np.abs(out - torch_out).max()), 1e-4, ex["name"])
            # The cache grows by a chunk per run up to look-back 4 × 4 frames.
            self.assertEqual([r["next_cache"].shape[3] for r in runs][:5], [4, 8, 12, 16, 16])
            self.assertEqual(int(runs[-1]["next_offset"][0]), sum(ex["chunkFrames"]))

    def test_manifest_hashes_the_copied_cmvn_and_codebook(self):
        vq02 = self.components["vq02"]
        self.assertEqual(vq02["cmvn"]["file"], pack_manifest.file_entry(self.out, "am.mvn"))
        self.assertEqual(vq02["cmvn"]["dim"], 560)
        self.assertEqual((vq02["codebook"]["size"], vq02["codebook"]["dim"]), (1024, 64))
        with open(os.path.join(GOLDENS, "linguistic_tokenizer.npy"), "rb") as a, \
                open(os.path.join(self.out, "linguistic_tokenizer.npy"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        self.assertEqual(vq02["checkpointTensors"], 54)
        self.assertEqual(vq02["frontend"]["referenceDither"], 1.0)  # the config leaves Kaldi's dither on


class FromFolderTest(unittest.TestCase):
    """`tokenizer --from` on a folder laid out like the published Step-Audio-Tokenizer."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.src = os.path.join(self.tmp.name, "Step-Audio-Tokenizer")
        self.fun = os.path.join(self.src, "dengcunqin", "speech_paraformer-large-online")
        os.makedirs(self.fun)
        for f in ("config.yaml", "am.mvn"):
            shutil.copyfile(os.path.join(GOLDENS, f), os.path.join(self.fun, f))
        state = golden_tensors()
        state["decoder.decoders.0.norm1.weight"] = torch.ones(64)  # a full Paraformer checkpoint has more
        torch.save(state, os.path.join(self.fun, "model.pt"))
        shutil.copyfile(os.path.join(GOLDENS, "linguistic_tokenizer.npy"),
                        os.path.join(self.src, "linguistic_tokenizer.npy"))
        s3_standin.export(s3_standin.build(3), os.path.join(self.src, "speech_tokenizer_v1.onnx"))
        self.out = os.path.join(self.tmp.name, "pack")

    def run_from(self, skip_vq06=False):
        with contextlib.redirect_stdout(io.StringIO()) as log:
            comps = tok_export.run_from(self.src, self.out, skip_vq06, log=print)
        return comps, log.getvalue()

    def test_published_layout_exports_both_parts_with_the_s3_io_read_from_the_file(self):
        comps, log = self.run_from()
        self.assertIn("54 encoder tensors", log)
        self.assertIn("1 other tensors", log)
        self.assertEqual(comps["vq06"]["inputs"], s3_standin.IO["inputs"])
        self.assertEqual(comps["vq06"]["outputs"], s3_standin.IO["outputs"])
        self.assertFalse(comps["vq06"]["standIn"])
        with open(os.path.join(self.out, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        self.assertEqual(set(manifest["components"]), {"vq02", "vq06"})
        for e in comps["vq06"]["files"] + comps["vq02"]["encoder"]["files"]:
            self.assertEqual(pack_manifest.file_entry(self.out, e["path"]), e)
        self.assertEqual(comps["vq02"]["config"]["numBlocks"], 4)  # read from config.yaml, not assumed

    def test_missing_parts_are_named(self):
        os.remove(os.path.join(self.src, "speech_tokenizer_v1.onnx"))
        with self.assertRaisesRegex(ExportError, "speech_tokenizer_v1.onnx .* is missing; --skip-vq06"):
            self.run_from()
        comps, _ = self.run_from(skip_vq06=True)
        self.assertNotIn("vq06", comps)
        os.remove(os.path.join(self.src, "linguistic_tokenizer.npy"))
        with self.assertRaisesRegex(ExportError, "linguistic_tokenizer.npy"):
            self.run_from(skip_vq06=True)

    def test_a_checkpoint_of_another_size_is_refused_naming_the_tensors(self):
        path = os.path.join(self.fun, "config.yaml")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace("num_blocks: 4", "num_blocks: 5"))
        with self.assertRaises(ExportError) as cm:
            self.run_from()
        self.assertIn("missing (13): encoder.encoders.3.", str(cm.exception))

    def test_a_codebook_of_the_wrong_width_is_refused(self):
        np.save(os.path.join(self.src, "linguistic_tokenizer.npy"), np.zeros((1024, 63), dtype=np.float32))
        with self.assertRaisesRegex(ExportError, r"float32 \(codes, 64\)"):
            self.run_from()

    def test_an_onnx_without_the_s3_io_is_refused(self):
        m = onnx.load(os.path.join(self.src, "speech_tokenizer_v1.onnx"))
        m.graph.input[1].type.tensor_type.elem_type = onnx.TensorProto.INT64
        onnx.save(m, os.path.join(self.src, "speech_tokenizer_v1.onnx"))
        with self.assertRaisesRegex(ExportError, "input 1 .* is not an int32 vector"):
            self.run_from()


class TinyPackTest(unittest.TestCase):
    """The tokenizer parts of the tiny pack that run-tests.sh generated for the TypeScript tests."""

    def setUp(self):
        if not os.path.exists(os.path.join(PACK, "manifest.json")):
            self.fail(f"{PACK} is missing: run `bash tools/export/run-tests.sh`, which generates it first")
        with open(os.path.join(PACK, "manifest.json"), encoding="utf-8") as f:
            self.manifest = json.load(f)

    def test_components_and_their_files(self):
        comps = self.manifest["components"]
        self.assertTrue({"lm", "textTokenizer", "vq02", "vq06"} <= set(comps))
        self.assertEqual(self.manifest["name"], "tiny-random")
        vq02, vq06 = comps["vq02"], comps["vq06"]
        entries = vq02["encoder"]["files"] + [vq02["cmvn"]["file"], vq02["codebook"]["file"]] + vq06["files"]
        for e in entries:
            self.assertEqual(pack_manifest.file_entry(PACK, e["path"]), e)
        self.assertTrue(vq06["standIn"])

    def test_stand_in_codes_follow_the_token_rate(self):
        m = s3_standin.build(1)
        for frames in (1, 4, 5, 3000):
            out = m(torch.zeros(1, 128, frames), torch.tensor([frames], dtype=torch.int32))
            self.assertEqual(out.dtype, torch.int32)
            self.assertEqual(out.shape, (1, s3_standin.tokens_for_frames(frames)))
        self.assertEqual(s3_standin.tokens_for_frames(3000), 750)  # 30 s → 25 per second

    def test_upstream_goldens_encoder_is_in_the_reference_folder(self):
        with open(os.path.join(PACK, "reference", "upstream-vq02", "manifest.json"), encoding="utf-8") as f:
            m = json.load(f)
        self.assertEqual(m["components"]["vq02"]["checkpointTensors"], 54)


if __name__ == "__main__":
    unittest.main()

"""Graph templates (common/template.py, lm/template.py, vocoder/template.py, flow/template.py,
tokenizer/template.py) and the published-layout writer
(lm/published.py).

The template of a graph must be the ordinary export of that graph node for node, with every weight turned into
external data at its place in the data file; the committed full-size templates must come from the current exporter
sources; the published layout must be what the exporter itself reads back."""

import dataclasses
import json
import os
import tempfile
import unittest

import numpy as np
import onnx
import torch
from onnx import TensorProto

from retake_export.common import template as tpl
from retake_export.common import traced_template
from retake_export.common.safetensors_io import SafetensorsFile
from retake_export.lm import onnx_lm, published, template, template_graph, template_quantized
from retake_export.lm.checkpoint import load_into
from retake_export.lm.step1 import Step1, Step1Config, init_random, tiny_config
from retake_export.flow import export as flow_export
from retake_export.flow import template as flow_template
from retake_export.flow import model as flow_model
from retake_export.flow.model import Flow
from retake_export.flow.model import tiny_config as flow_tiny_config
from retake_export.tokenizer import onnx_encoder
from retake_export.tokenizer import export as tokenizer_export
from retake_export.tokenizer import template as tokenizer_template
from retake_export.tokenizer.paraformer import PREFIX, ParaformerEncoder
from retake_export.tokenizer.paraformer import tiny_config as vq02_tiny_config
from retake_export.vocoder import hift as hift_model
from retake_export.vocoder import template as vocoder_template
from retake_export.vocoder.hift import Hift
from retake_export.vocoder.hift import tiny_config as hift_tiny_config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COMMITTED = os.path.join(REPO, "models", "templates", "step1-3.5b")


def _graph_without_data(m: onnx.ModelProto) -> onnx.ModelProto:
    c = onnx.ModelProto()
    c.CopyFrom(m)
    for i in c.graph.initializer:
        i.ClearField("raw_data")
        del i.external_data[:]
        i.data_location = TensorProto.DEFAULT
    return c


class TinyTemplateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cfg = tiny_config()
        template.write(cls.cfg, cls.tmp.name, ["fp16", "fp32"], "t", "test", lambda s: None)
        cls.model = Step1(cls.cfg)
        init_random(cls.model, 5)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_graph_equals_the_ordinary_export(self):
        for dtype in ("fp32", "fp16"):
            with self.subTest(dtype=dtype):
                path = os.path.join(self.tmp.name, f"ref.{dtype}.onnx")
                m = Step1(self.cfg)
                m.load_state_dict(self.model.state_dict())
                onnx_lm.export(m, path, dtype, "append")
                ref = _graph_without_data(onnx.load(path))
                got = _graph_without_data(onnx.load(os.path.join(self.tmp.name, f"lm.{dtype}.onnx"), load_external_data=False))
                self.assertEqual([n.SerializeToString() for n in got.graph.node], [n.SerializeToString() for n in ref.graph.node])
                self.assertEqual([(i.name, i.data_type, list(i.dims)) for i in got.graph.initializer],
                                 [(i.name, i.data_type, list(i.dims)) for i in ref.graph.initializer])
                for field in ("input", "output", "value_info"):
                    self.assertEqual(list(getattr(got.graph, field)), list(getattr(ref.graph, field)), field)
                self.assertEqual(list(got.metadata_props), list(ref.metadata_props))
                self.assertEqual(list(got.opset_import), list(ref.opset_import))

    def test_weights_are_external_data_at_the_offsets_of_the_weight_map(self):
        for dtype in ("fp32", "fp16"):
            g = onnx.load(os.path.join(self.tmp.name, f"lm.{dtype}.onnx"), load_external_data=False)
            with open(os.path.join(self.tmp.name, f"lm.{dtype}.weights.json"), encoding="utf-8") as f:
                wmap = json.load(f)
            self.assertEqual(wmap["data"], f"lm.{dtype}.onnx.data")
            entries = {e["name"]: e for e in wmap["initializers"]}
            self.assertEqual(len(entries), 2 * 9 + 3)
            end = 0
            for init in g.graph.initializer:
                e = entries[init.name]
                ext = {x.key: x.value for x in init.external_data}
                self.assertEqual(init.data_location, TensorProto.EXTERNAL)
                self.assertFalse(init.raw_data)
                self.assertEqual(ext, {"location": wmap["data"], "offset": str(e["offset"]), "length": str(e["bytes"])})
                self.assertGreaterEqual(e["offset"], end)
                align = tpl.ALIGN_LARGE if e["bytes"] >= tpl.LARGE_TENSOR else tpl.ALIGN_SMALL
                self.assertEqual(e["offset"] % align, 0)
                end = e["offset"] + e["bytes"]
                # "_t" weights are the checkpoint's Linear weights transposed; the others are taken as they are.
                if init.name.endswith("_t"):
                    self.assertEqual(e["from"]["tensors"], [init.name[:-2]])
                    self.assertEqual(e["ops"], [{"op": "transpose", "perm": [1, 0]}])
                    self.assertEqual(e["from"]["shapes"], [list(init.dims)[::-1]])
                else:
                    self.assertEqual((e["from"]["tensors"], e["ops"]), ([init.name], []))
            self.assertEqual(wmap["dataBytes"], end)

    def test_template_json_names_sources_variants_and_the_manifest_fragment(self):
        with open(os.path.join(self.tmp.name, "template.json"), encoding="utf-8") as f:
            t = json.load(f)
        self.assertEqual(t["format"], tpl.SET_FORMAT)
        self.assertEqual(t["variants"], {"fp16": ["lm.fp16.onnx"], "fp32": ["lm.fp32.onnx"]})
        self.assertEqual(t["sources"]["lm"]["tensors"], 21)
        self.assertIn({"keys": ["head_dim"], "value": 8}, t["sources"]["config"]["expect"])
        lm = t["manifest"]["components"]["lm"]
        self.assertEqual(lm["variants"]["fp16"]["value"]["files"], {"$graphFiles": "lm.fp16.onnx"})
        self.assertEqual(t["exporter"], tpl.exporter_fingerprint(template.GRAPH_SOURCES))
        tags = t["manifest"]["components"]["textTokenizer"]["paralinguisticTags"]["$byRevision"]
        self.assertEqual([e["from"] for e in tags], [None, "2026-01-29"])
        self.assertEqual(len(tags[1]["value"]), 22)

    def test_quantized_templates_describe_the_exporters_initializers(self):
        """int4's template (from the fp32 template graph) lists exactly the initializers the exporter's own int4
        graph has, with their dtypes and shapes, and says how each is made from the published tensor."""
        from retake_export.lm import expand, variants, weights

        out = os.path.join(self.tmp.name, "q")
        os.makedirs(out)
        import shutil
        shutil.copy(os.path.join(self.tmp.name, "lm.fp32.onnx"), out)
        template.write(self.cfg, out, ["int4"], "t", "test", lambda s: None)
        with open(os.path.join(out, "lm.int4.weights.json"), encoding="utf-8") as f:
            wmap = json.load(f)
        shapes = {n: tuple(s) for n, s in published.param_specs(self.cfg)}
        g = expand.expand(variants.one_layer_graph(self.cfg, self.tmp.name), self.cfg)
        plan = weights.rewrite_quantized(g, weights.parse_variant("int4"), shapes)
        state = {n: np.random.default_rng(0).standard_normal(s).astype(np.float32) for n, s in shapes.items()}
        want = {}
        for e in plan:
            for role, arr in weights.entry_arrays(e, state[e.source]).items():
                want[e.initializers[role]] = (str(arr.dtype), list(arr.shape))
        self.assertEqual({e["name"]: (e["dtype"], e["shape"]) for e in wmap["initializers"]}, want)
        q = {e["name"]: e for e in wmap["initializers"]}
        self.assertEqual(q["model.layers.0.mlp.up_proj.weight_q4"]["ops"],
                         [{"op": "matmulnbits", "bits": 4, "blockSize": 128, "symmetric": True, "output": "b"}])
        self.assertEqual(q["lm_head.weight_scales"]["ops"],
                         [{"op": "matmulnbits", "bits": 8, "blockSize": 32, "symmetric": True, "output": "scales"}])
        self.assertEqual((q["model.embed_tokens.weight"]["dtype"], q["model.embed_tokens.weight"]["ops"]), ("float16", []))
        nodes = onnx.load(os.path.join(out, "lm.int4.onnx"), load_external_data=False).graph.node
        self.assertEqual(sum(n.op_type == "MatMulNBits" for n in nodes), 2 * 7 + 1)
        with open(os.path.join(out, "template.json"), encoding="utf-8") as f:
            t = json.load(f)
        self.assertEqual(list(t["variants"]), ["int4"])
        self.assertEqual(t["manifest"]["components"]["lm"]["variants"]["int4"]["value"]["quantization"],
                         weights.parse_variant("int4").to_json())

    def test_an_initializer_without_a_source_is_refused(self):
        g, params = template_graph.template_graph(self.cfg, "fp32")
        sources = template_graph.weight_sources(g, params)
        sources.pop("lm_head.weight_t")
        with self.assertRaisesRegex(tpl.TemplateError, "initializers without a source in the weight map: lm_head.weight_t"):
            tpl.write_graph(g, self.tmp.name, "x.onnx", sources)


class CommittedTemplateTest(unittest.TestCase):
    def test_the_committed_full_size_templates_come_from_the_current_exporter(self):
        path = os.path.join(COMMITTED, "template.json")
        self.assertTrue(os.path.isfile(path), f"{path} is missing")
        with open(path, encoding="utf-8") as f:
            t = json.load(f)
        self.assertEqual(
            t["exporter"], tpl.exporter_fingerprint(template.GRAPH_SOURCES),
            "models/templates/step1-3.5b was made by other exporter sources: regenerate it with "
            "`PYTHONPATH=tools/export /usr/bin/python3 -m retake_export lm-template` (needs ~15 GB of RAM, ~5 min)")

    def test_the_committed_quantized_templates_come_from_the_current_exporter(self):
        with open(os.path.join(COMMITTED, "template.json"), encoding="utf-8") as f:
            t = json.load(f)
        self.assertEqual([d for d in t["variants"] if template.is_quantized(d)], ["int8", "int4", "int4-b32"])
        self.assertEqual(
            t["exporterQuantized"], tpl.exporter_fingerprint(template_quantized.QUANT_SOURCES),
            "the quantized graphs of models/templates/step1-3.5b were made by other exporter sources: regenerate them "
            "with `PYTHONPATH=tools/export /usr/bin/python3 -m retake_export lm-template --dtypes int8,int4,int4-b32` "
            "(seconds)")
        for name, bits, block, size in (("int8", 8, 32, 4.172), ("int4", 4, 128, 2.352), ("int4-b32", 4, 32, 2.637)):
            with open(os.path.join(COMMITTED, f"lm.{name}.weights.json"), encoding="utf-8") as f:
                wmap = json.load(f)
            ops = [e["ops"][0] for e in wmap["initializers"] if e["ops"] and e["from"]["tensors"] != ["lm_head.weight"]]
            # 32 layers x 7 matrices, B and scales each, all in the variant's scheme; lm_head at 8 bits.
            self.assertEqual(len(ops), 32 * 7 * 2)
            self.assertEqual({(o["bits"], o["blockSize"], o["symmetric"]) for o in ops}, {(bits, block, True)})
            self.assertAlmostEqual(wmap["dataBytes"] / 1e9, size, places=3)

    def test_the_committed_template_json_is_what_the_exporter_writes_now(self):
        with open(os.path.join(COMMITTED, "template.json"), encoding="utf-8") as f:
            committed = json.load(f)
        with tempfile.TemporaryDirectory() as d:
            template.write_set(Step1Config(), d, list(committed["variants"]), committed["id"], committed["description"])
            with open(os.path.join(d, "template.json"), encoding="utf-8") as f:
                now = json.load(f)
        self.assertEqual(committed, now, "models/templates/step1-3.5b/template.json is stale: rewrite it with "
                         "`PYTHONPATH=tools/export /usr/bin/python3 -m retake_export lm-template --manifest-only`")

    def test_rms_norm_eps_is_an_expectation_of_config_json_with_the_exporters_fallback(self):
        with open(os.path.join(COMMITTED, "template.json"), encoding="utf-8") as f:
            t = json.load(f)
        e = next(x for x in t["sources"]["config"]["expect"] if x["keys"] == ["rms_norm_eps"])
        published_cfg = {"vocab_size": 74752, "hidden_size": 3072, "intermediate_size": 8192, "num_hidden_layers": 32,
                         "num_attention_heads": 48, "num_attention_groups": 4}
        self.assertEqual(e["value"], Step1Config().rms_norm_eps)
        self.assertEqual(e["default"], Step1Config.from_hf_config(published_cfg).rms_norm_eps)
        directive = t["manifest"]["components"]["lm"]["config"]["rmsNormEps"]["$json"]
        self.assertEqual((directive["source"], directive["key"], directive["default"]), ("config", "rms_norm_eps", e["default"]))

    def test_the_committed_templates_have_the_published_geometry(self):
        with open(os.path.join(COMMITTED, "template.json"), encoding="utf-8") as f:
            t = json.load(f)
        self.assertEqual(t["sources"]["lm"]["tensors"], 291)
        for dtype, size in (("fp16", 2), ("fp32", 4)):
            with open(os.path.join(COMMITTED, f"lm.{dtype}.weights.json"), encoding="utf-8") as f:
                wmap = json.load(f)
            params = sum(int(np.prod(e["shape"])) for e in wmap["initializers"])
            self.assertEqual(len(wmap["initializers"]), 291)
            # 3.5 B parameters (EDITX-SPEC.md §5: ~3.53 B, 7.06 GB in bf16).
            self.assertEqual(params, 3_529_706_496)
            self.assertLess(wmap["dataBytes"] - params * size, 291 * tpl.ALIGN_LARGE)


HIFT_COMMITTED = os.path.join(REPO, "models", "templates", "hift-cosyvoice2")


class HiftTemplateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.comp = vocoder_template.write(hift_tiny_config(), cls.tmp.name, "t", "test", lambda s: None)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_graphs_equal_the_ordinary_export(self):
        with tempfile.TemporaryDirectory() as d:
            vocoder_template._export(vocoder_template._model(hift_tiny_config(), 11), d)
            for graph in vocoder_template.GRAPHS.values():
                ref = _graph_without_data(onnx.load(os.path.join(d, graph)))
                got = _graph_without_data(onnx.load(os.path.join(self.tmp.name, graph), load_external_data=False))
                self.assertEqual([n.SerializeToString() for n in got.graph.node], [n.SerializeToString() for n in ref.graph.node])
                self.assertEqual([(i.name, i.data_type, list(i.dims)) for i in got.graph.initializer],
                                 [(i.name, i.data_type, list(i.dims)) for i in ref.graph.initializer])
                self.assertEqual(list(got.graph.input), list(ref.graph.input))
                self.assertEqual(list(got.graph.output), list(ref.graph.output))

    def test_every_checkpoint_tensor_is_read_once_and_no_weight_is_inline(self):
        read = []
        for graph in vocoder_template.GRAPHS.values():
            with open(os.path.join(self.tmp.name, graph.replace(".onnx", ".weights.json")), encoding="utf-8") as f:
                read += [e["from"]["tensors"][0] for e in json.load(f)["initializers"]]
            m = onnx.load(os.path.join(self.tmp.name, graph), load_external_data=False)
            inline = [i for i in m.graph.initializer if i.data_location != TensorProto.EXTERNAL]
            # Constants of the graph only (shapes, axes, pads): nothing of weight size.
            self.assertTrue(all(np.prod(i.dims) <= 8 for i in inline), [(i.name, list(i.dims)) for i in inline])
        with open(os.path.join(self.tmp.name, "template.json"), encoding="utf-8") as f:
            t = json.load(f)
        merge = [t["manifest"]["components"]["vocoder"]["source"][k]["$tensor"]["name"] for k in ("mergeWeight", "mergeBias")]
        self.assertEqual(sorted(read + merge), sorted(Hift(hift_tiny_config()).checkpoint_state()))
        self.assertEqual(t["sources"]["hift"], {"kind": "torch", "file": "CosyVoice-300M-25Hz/hift.pt", "tensors": 246})

    def test_the_yaml_expectations_and_settings_are_the_keys_and_fallbacks_config_from_yaml_reads(self):
        with open(os.path.join(self.tmp.name, "template.json"), encoding="utf-8") as f:
            t = json.load(f)
        src = t["sources"]["config"]
        self.assertEqual((src["kind"], src["file"]), ("hyperyaml", "CosyVoice-300M-25Hz/cosyvoice.yaml"))
        v = t["manifest"]["components"]["vocoder"]
        self.assertEqual(v["settingsFrom"], "cosyvoice.yaml")
        # A yaml holding the expected values and some settings reads back as the template's configuration with them...
        taken = {"hift.sampling_rate": 22050, "hift.nsf_alpha": 0.25, "hift.nsf_sigma": 0.01,
                 "hift.nsf_voiced_threshold": 5.0, "hift.audio_limit": 0.9}
        root: dict = {}
        for key, value in [(e["keys"][0], e["value"]) for e in src["expect"]] + list(taken.items()):
            node = root
            *parents, last = key.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = value
        cfg = hift_model.config_from_yaml(root["hift"])
        self.assertEqual(dataclasses.replace(cfg, sample_rate=24000, nsf_alpha=0.1, nsf_sigma=0.003,
                                             nsf_voiced_threshold=10.0, audio_limit=0.99), hift_tiny_config())
        # ...whose settings the manifest's $json directives name, with config_from_yaml's fallbacks
        fields = {key: field for _, field, key in vocoder_template.YAML_TAKE}
        directives = [v["sampleRate"], v["audioLimit"]] + [v["source"][k] for k in ("sineAmp", "noiseStd", "voicedThreshold")]
        self.assertEqual(sorted(d["$json"]["key"] for d in directives), sorted(taken))
        empty = hift_model.config_from_yaml({})
        for d in directives:
            key = d["$json"]["key"]
            self.assertEqual(getattr(cfg, fields[key]), taken[key], key)
            self.assertEqual(d["$json"]["default"], getattr(empty, fields[key]), key)
        # ...and each expected key left out reads as the fallback the expectation records.
        for e in src["expect"]:
            field = next(f for f, k in vocoder_template.YAML_EXPECT if k == e["keys"][0])
            pruned = json.loads(json.dumps(root))
            node = pruned
            *parents, last = e["keys"][0].split(".")
            for part in parents:
                node = node[part]
            del node[last]
            self.assertEqual(getattr(hift_model.config_from_yaml(pruned["hift"]), field), e["default"], e["keys"][0])

    def test_a_weight_without_a_source_is_refused(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            hift, other = vocoder_template._model(hift_tiny_config(), 3), vocoder_template._model(hift_tiny_config(), 4)
            vocoder_template._export(hift, a)
            vocoder_template._export(other, b)
            state = {k: v.detach().numpy() for k, v in hift.checkpoint_state().items()}
            state.pop("conv_pre.weight")
            with self.assertRaisesRegex(Exception, "is no checkpoint tensor"):
                traced_template.graph_template(onnx.load(os.path.join(a, "hift_trunk.onnx")),
                                               onnx.load(os.path.join(b, "hift_trunk.onnx")), state, "hift", a, "x.onnx")

    def test_the_committed_full_size_template_comes_from_the_current_exporter(self):
        path = os.path.join(HIFT_COMMITTED, "template.json")
        self.assertTrue(os.path.isfile(path), f"{path} is missing")
        with open(path, encoding="utf-8") as f:
            t = json.load(f)
        self.assertEqual(t["exporter"], tpl.exporter_fingerprint(vocoder_template.GRAPH_SOURCES),
                         "models/templates/hift-cosyvoice2 was made by other exporter sources: regenerate it with "
                         "`PYTHONPATH=tools/export /usr/bin/python3 -m retake_export vocoder-template` (~1 min)")
        n = 0
        for graph in vocoder_template.GRAPHS.values():
            with open(os.path.join(HIFT_COMMITTED, graph.replace(".onnx", ".weights.json")), encoding="utf-8") as f:
                n += len(json.load(f)["initializers"])
        # 246 published tensors (EDITX-SPEC.md §6), 2 of them (the sines' merge) read into the manifest.
        self.assertEqual(n, 244)


FLOW_COMMITTED = os.path.join(REPO, "models", "templates", "flow-cosyvoice2")


class FlowTemplateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        flow_template.write(flow_tiny_config(), cls.tmp.name, "t", "test", lambda s: None,
                            {"sha256": "0" * 64, "bytes": 1})

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_graphs_equal_the_ordinary_export(self):
        with tempfile.TemporaryDirectory() as d:
            flow_export.export_graphs(flow_template._model(flow_tiny_config(), 21), d, lambda s: None)
            for graph in flow_template.GRAPHS.values():
                ref = _graph_without_data(onnx.load(os.path.join(d, graph)))
                got = _graph_without_data(onnx.load(os.path.join(self.tmp.name, graph), load_external_data=False))
                self.assertEqual([n.SerializeToString() for n in got.graph.node], [n.SerializeToString() for n in ref.graph.node])
                self.assertEqual([(i.name, i.data_type, list(i.dims)) for i in got.graph.initializer],
                                 [(i.name, i.data_type, list(i.dims)) for i in ref.graph.initializer])

    def test_every_checkpoint_tensor_is_read_and_the_noise_and_campplus_are_described(self):
        wmaps = []
        for graph in flow_template.GRAPHS.values():
            with open(os.path.join(self.tmp.name, graph.replace(".onnx", ".weights.json")), encoding="utf-8") as f:
                wmaps.append(json.load(f))
        self.assertEqual(sorted(set(traced_template.tensors_read(wmaps))), sorted(Flow(flow_tiny_config()).state_dict()))
        with open(os.path.join(self.tmp.name, "template.json"), encoding="utf-8") as f:
            t = json.load(f)
        self.assertEqual(t["sources"]["flow"], {"kind": "torch", "file": "CosyVoice-300M-25Hz/flow.pt", "tensors": 155})
        self.assertEqual(t["sources"]["campplus"]["sha256"], "0" * 64)
        self.assertEqual(t["generated"], [{"kind": "normalNoise", "to": "flow_noise.f32", "shape": [80, 4000], "seed": 0,
                                           "generator": "retake-normal-1"}])
        self.assertEqual(t["copies"], [{"from": "campplus", "to": "campplus.onnx"}])

    def test_the_yaml_expectations_are_the_keys_and_fallbacks_config_from_yaml_reads(self):
        with open(os.path.join(self.tmp.name, "template.json"), encoding="utf-8") as f:
            t = json.load(f)
        src = t["sources"]["config"]
        self.assertEqual((src["kind"], src["file"]), ("hyperyaml", "CosyVoice-300M-25Hz/cosyvoice.yaml"))
        self.assertEqual(t["manifest"]["components"]["flow"]["settings"]["settingsFrom"], "cosyvoice.yaml")
        # A yaml that holds exactly the expected values reads back as the template's configuration...
        root: dict = {}
        for e in src["expect"]:
            node = root
            *parents, last = e["keys"][0].split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = e["value"]
        cfg = flow_model.config_from_yaml(root["flow"])
        self.assertEqual((flow_export.manifest_config(cfg), cfg.cfg_rate),
                         (flow_export.manifest_config(flow_tiny_config()), flow_tiny_config().cfg_rate))
        # ...and each key left out reads as the fallback the expectation records (none: config_from_yaml needs it).
        for e in src["expect"]:
            field = next(f for f, k, _ in flow_template.YAML_EXPECT if k == e["keys"][0])
            pruned = json.loads(json.dumps(root))
            node = pruned
            *parents, last = e["keys"][0].split(".")
            for part in parents:
                node = node[part]
            del node[last]
            if "default" in e:
                self.assertEqual(getattr(flow_model.config_from_yaml(pruned["flow"]), field), e["default"], e["keys"][0])
            else:
                with self.assertRaises(KeyError, msg=e["keys"][0]):
                    flow_model.config_from_yaml(pruned["flow"])

    def test_the_committed_full_size_template_comes_from_the_current_exporter(self):
        path = os.path.join(FLOW_COMMITTED, "template.json")
        self.assertTrue(os.path.isfile(path), f"{path} is missing")
        with open(path, encoding="utf-8") as f:
            t = json.load(f)
        self.assertEqual(t["exporter"], tpl.exporter_fingerprint(flow_template.GRAPH_SOURCES),
                         "models/templates/flow-cosyvoice2 was made by other exporter sources: regenerate it with "
                         "`PYTHONPATH=tools/export /usr/bin/python3 -m retake_export flow-template`")
        # 605 published tensors (EDITX-SPEC.md §6); the published campplus.onnx by its sha256 and size.
        self.assertEqual(t["sources"]["flow"]["tensors"], 605)
        self.assertEqual((t["sources"]["campplus"]["sha256"], t["sources"]["campplus"]["bytes"]),
                         ("a6ac6a63997761ae2997373e2ee1c47040854b4b759ea41ec48e4e42df0f4d73", 28303423))
        wmaps = []
        for graph in flow_template.GRAPHS.values():
            with open(os.path.join(FLOW_COMMITTED, graph.replace(".onnx", ".weights.json")), encoding="utf-8") as f:
                wmaps.append(json.load(f))
        self.assertEqual(len(set(traced_template.tensors_read(wmaps))), 605)


VQ02_COMMITTED = os.path.join(REPO, "models", "templates", "vq02-paraformer")


class Vq02TemplateTest(unittest.TestCase):
    def test_graph_equals_the_ordinary_export_and_reads_every_encoder_tensor(self):
        with tempfile.TemporaryDirectory() as t, tempfile.TemporaryDirectory() as d:
            tokenizer_template.write(vq02_tiny_config(), t, "t", "test", lambda s: None, stand_in=True)
            onnx_encoder.export(tokenizer_template._model(vq02_tiny_config(), 31), os.path.join(d, "vq02.onnx"))
            ref = _graph_without_data(onnx.load(os.path.join(d, "vq02.onnx")))
            got = _graph_without_data(onnx.load(os.path.join(t, "vq02.onnx"), load_external_data=False))
            self.assertEqual([n.SerializeToString() for n in got.graph.node], [n.SerializeToString() for n in ref.graph.node])
            with open(os.path.join(t, "vq02.weights.json"), encoding="utf-8") as f:
                read = set(traced_template.tensors_read([json.load(f)]))
            self.assertEqual(read, {PREFIX + k for k in ParaformerEncoder(vq02_tiny_config()).state_dict()})
            with open(os.path.join(t, "template.json"), encoding="utf-8") as f:
                tj = json.load(f)
            self.assertEqual(tj["folder"], "Step-Audio-Tokenizer")
            self.assertEqual(tj["sources"]["vq02"]["prefix"], "encoder.")
            self.assertEqual([c["to"] for c in tj["copies"]], ["am.mvn", "linguistic_tokenizer.npy", "vq06.onnx"])
            # A config.yaml holding exactly the expected values reads back (export.read_config) as the template's
            # encoder, and each key left out is read_config's fallback the expectation records.
            conf: dict = {}
            for e in tj["sources"]["config"]["expect"]:
                node = conf
                *parents, last = e["keys"][0].split(".")
                for part in parents:
                    node = node.setdefault(part, {})
                node[last] = e["value"]
            path = os.path.join(d, "config.yaml")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(conf, f)
            self.assertEqual(tokenizer_export.read_config(path)[0], vq02_tiny_config())
            for e in tj["sources"]["config"]["expect"]:
                if "default" not in e or e["keys"][0].startswith("frontend_conf."):
                    continue  # frontend_conf: check_frontend's values, not read_config's
                pruned = json.loads(json.dumps(conf))
                *parents, last = e["keys"][0].split(".")
                node = pruned
                for part in parents:
                    node = node[part]
                node[last] = e["default"]
                with open(path, "w", encoding="utf-8") as f:
                    json.dump(pruned, f)
                del node[last]
                with open(os.path.join(d, "absent.yaml"), "w", encoding="utf-8") as f:
                    json.dump(pruned, f)
                self.assertEqual(tokenizer_export.read_config(path), tokenizer_export.read_config(os.path.join(d, "absent.yaml")),
                                 e["keys"][0])

    def test_the_committed_full_size_template_comes_from_the_current_exporter(self):
        path = os.path.join(VQ02_COMMITTED, "template.json")
        self.assertTrue(os.path.isfile(path), f"{path} is missing")
        with open(path, encoding="utf-8") as f:
            t = json.load(f)
        self.assertEqual(t["exporter"], tpl.exporter_fingerprint(tokenizer_template.GRAPH_SOURCES),
                         "models/templates/vq02-paraformer was made by other exporter sources: regenerate it with "
                         "`PYTHONPATH=tools/export /usr/bin/python3 -m retake_export tokenizer-template`")
        # 652 encoder tensors of the published Paraformer (EDITX-SPEC.md §4).
        self.assertEqual(t["sources"]["vq02"]["tensors"], 652)
        with open(os.path.join(VQ02_COMMITTED, "vq02.weights.json"), encoding="utf-8") as f:
            self.assertEqual(len(set(traced_template.tensors_read([json.load(f)]))), 652)


class PublishedLayoutTest(unittest.TestCase):
    def test_the_exporter_reads_back_the_tiny_published_checkpoint(self):
        with tempfile.TemporaryDirectory() as d:
            cfg, fill = published.tiny_fill(9)
            published.write(d, cfg, 2, fill, lambda s: None)
            with open(os.path.join(d, published.INDEX), encoding="utf-8") as f:
                index = json.load(f)
            self.assertEqual(sorted(set(index["weight_map"].values())),
                             [f"model-0000{i}-of-00002.safetensors" for i in (1, 2)])
            with SafetensorsFile(os.path.join(d, "model-00001-of-00002.safetensors")) as f:
                self.assertEqual(f.dtype("model.embed_tokens.weight"), "BF16")
            m = Step1(cfg, skip_init=True)
            load_into(m, d)
            ref = Step1(cfg)
            init_random(ref, 9)
            for (n, a), (_, b) in zip(m.state_dict().items(), ref.state_dict().items()):
                self.assertTrue(torch.equal(a, b), n)

    def test_random_full_size_values_are_finite_and_exact_in_fp16(self):
        fill = published.random_fill(1)
        raw = b"".join(fill("w", "BF16", [1 << 16]))
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        v = bits.view(np.float32)
        self.assertTrue(np.all(np.isfinite(v)))
        self.assertTrue(np.array_equal(v.astype(np.float16).astype(np.float32), v))
        # Every sign, exponent 2^-14..2^0 and mantissa occurs.
        self.assertEqual(len(np.unique(v)), 2 * 15 * 128)

    def test_full_size_tensor_list_is_the_published_one(self):
        specs = published.param_specs(Step1Config())
        self.assertEqual(len(specs), 291)
        self.assertEqual(sum(int(np.prod(s)) for _, s in specs), 3_529_706_496)


if __name__ == "__main__":
    unittest.main()

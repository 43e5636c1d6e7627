import json
import os
import tempfile
import unittest

import torch

from retake_export.lm.checkpoint import CheckpointError, config_for, load_into
from retake_export.common.safetensors_io import save_file
from retake_export.lm.step1 import Step1, init_random, tiny_config


def published_names(cfg):
    names = ["model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"]
    for i in range(cfg.num_layers):
        p = f"model.layers.{i}."
        names += [p + "input_layernorm.weight", p + "post_attention_layernorm.weight"]
        names += [p + f"self_attn.{x}_proj.weight" for x in "qkvo"]
        names += [p + f"mlp.{x}_proj.weight" for x in ("gate", "up", "down")]
    return names


class LoadCheckpointTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.cfg = tiny_config()
        self.src = Step1(self.cfg)
        init_random(self.src, 7)

    def write_sharded(self, state):
        names = sorted(state)
        half = len(names) // 2
        shards = {"model-00001-of-00002.safetensors": names[:half], "model-00002-of-00002.safetensors": names[half:]}
        weight_map = {}
        for fname, keys in shards.items():
            save_file(os.path.join(self.tmp.name, fname), {k: state[k].to(torch.bfloat16) for k in keys})
            weight_map.update({k: fname for k in keys})
        with open(os.path.join(self.tmp.name, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": weight_map}, f)

    def test_module_names_are_the_published_names(self):
        self.assertEqual(sorted(self.src.state_dict()), sorted(published_names(self.cfg)))

    def test_sharded_bf16_checkpoint_loads_exactly(self):
        self.write_sharded(self.src.state_dict())
        dst = Step1(self.cfg, skip_init=True)
        stored = load_into(dst, self.tmp.name)
        self.assertEqual(set(stored.values()), {"BF16"})
        for (n, a), (_, b) in zip(self.src.state_dict().items(), dst.state_dict().items()):
            self.assertTrue(torch.equal(a, b), n)  # init_random already rounds to bf16, so nothing is lost

    def test_missing_extra_and_misshaped_tensors_are_all_listed(self):
        state = dict(self.src.state_dict())
        del state["model.layers.1.mlp.up_proj.weight"]
        del state["lm_head.weight"]
        state["model.layers.0.self_attn.rotary_emb.inv_freq"] = torch.zeros(4)
        state["model.norm.weight"] = torch.zeros(65)
        self.write_sharded(state)
        with self.assertRaises(CheckpointError) as cm:
            load_into(Step1(self.cfg, skip_init=True), self.tmp.name)
        msg = str(cm.exception)
        for expected in ("missing tensors (2)", "model.layers.1.mlp.up_proj.weight", "lm_head.weight",
                         "unexpected tensors (1)", "rotary_emb.inv_freq", "model.norm.weight: checkpoint [65], model [64]"):
            self.assertIn(expected, msg)

    def test_missing_shard_and_empty_folder(self):
        self.write_sharded(self.src.state_dict())
        os.remove(os.path.join(self.tmp.name, "model-00002-of-00002.safetensors"))
        with self.assertRaisesRegex(CheckpointError, "model-00002-of-00002.safetensors"):
            load_into(Step1(self.cfg, skip_init=True), self.tmp.name)
        empty = os.path.join(self.tmp.name, "empty")
        os.mkdir(empty)
        with self.assertRaisesRegex(CheckpointError, "no .safetensors"):
            load_into(Step1(self.cfg, skip_init=True), empty)

    def test_hf_config_json_is_read(self):
        with open(os.path.join(self.tmp.name, "config.json"), "w") as f:
            json.dump({"model_type": "step1", "hidden_size": 3072, "intermediate_size": 8192, "num_attention_heads": 48,
                       "num_attention_groups": 4, "num_hidden_layers": 32, "vocab_size": 74752, "rms_norm_eps": 1e-5}, f)
        cfg = config_for(self.tmp.name)
        self.assertEqual((cfg.num_layers, cfg.hidden_size, cfg.dim_head, cfg.heads_per_group), (32, 3072, 64, 12))


if __name__ == "__main__":
    unittest.main()

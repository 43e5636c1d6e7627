import math
import unittest

import torch

from retake_export.lm.export import repetition_banned
from retake_export.lm.step1 import Step1, Step1Config, alibi_slopes, init_random, tiny_config


def naive_logits(model, ids):
    """Per-head attention written out with loops, the bias computed entry by entry: the spec read literally."""
    cfg = model.cfg
    d, hpg = cfg.dim_head, cfg.heads_per_group
    slopes = alibi_slopes(cfg)
    x = model.model.embed_tokens(ids)[0]  # (T, hidden)
    t = x.shape[0]
    for layer in model.model.layers:
        a = layer.self_attn
        h = layer.input_layernorm(x)
        q = a.q_proj(h).reshape(t, cfg.num_heads, d)
        k = a.k_proj(h).reshape(t, cfg.num_groups, d)
        v = a.v_proj(h).reshape(t, cfg.num_groups, d)
        out = torch.zeros(t, cfg.num_heads, d)
        for head in range(cfg.num_heads):
            g = head // hpg
            for i in range(t):
                s = torch.full((t,), float("-inf"))
                for j in range(i + 1):
                    s[j] = (q[i, head] @ k[j, g]) / math.sqrt(d) - slopes[head] * math.sqrt(i - j)
                out[i, head] = torch.softmax(s, 0) @ v[:, g]
        x = x + a.o_proj(out.reshape(t, -1))
        x = x + layer.mlp(layer.post_attention_layernorm(x))
    return model.lm_head(model.model.norm(x))


class Step1Test(unittest.TestCase):
    def test_slopes_follow_the_rule_for_48_heads(self):
        s = alibi_slopes(Step1Config())
        self.assertEqual(len(s), 48)
        for k in range(1, 33):
            self.assertAlmostEqual(s[k - 1], 2 ** (-8 * k / 32), places=15)
        for i, k in enumerate(range(1, 32, 2)):
            self.assertAlmostEqual(s[32 + i], 2 ** (-4 * k / 32), places=15)

    def test_power_of_two_and_explicit_slopes(self):
        s = alibi_slopes(Step1Config(num_heads=32, num_groups=4, hidden_size=2048))
        self.assertEqual(len(s), 32)
        for k in range(1, 33):
            self.assertAlmostEqual(s[k - 1], 2 ** (-8 * k / 32), places=15)
        cfg = tiny_config()
        cfg.alibi_slope_rule = "explicit"
        cfg.alibi_slopes = [0.5] * 48
        self.assertEqual(alibi_slopes(cfg), [0.5] * 48)
        cfg.alibi_slopes = [0.5]
        with self.assertRaises(ValueError):
            cfg.validate()

    @torch.no_grad()
    def test_grouped_attention_matches_the_literal_spec(self):
        model = Step1(tiny_config())
        init_random(model, 3)
        ids = torch.tensor([[1, 4, 300, 65540, 66000, 3, 4, 77]])
        ref = naive_logits(model, ids)
        got = model.full_logits(ids)
        self.assertLess(float((ref - got).abs().max()), 1e-4)
        logits, _ = model(ids, model.empty_past())
        self.assertLess(float((ref[-1] - logits[0]).abs().max()), 1e-4)

    @torch.no_grad()
    def test_chunked_cache_matches_one_pass(self):
        model = Step1(tiny_config())
        init_random(model, 4)
        ids = torch.randint(0, 74752, (1, 23), generator=torch.Generator().manual_seed(1))
        one, _ = model(ids, model.empty_past())
        past = model.empty_past()
        for a, b in ((0, 10), (10, 11), (11, 23)):
            logits, new = model(ids[:, a:b], past)
            past = [torch.cat([p, n], 0) for p, n in zip(past, new)]
        self.assertEqual(past[0].shape, (23, 4, 8))
        self.assertLess(float((one - logits).abs().max()), 1e-4)

    def test_repetition_guard_follows_the_reference(self):
        self.assertIsNone(repetition_banned([5, 5, 5], 10, 1))  # shorter than the window: no guard
        self.assertEqual(repetition_banned([1, 2, 3, 4, 5, 6, 7, 8, 9, 7], 10, 1), 7)
        self.assertIsNone(repetition_banned([7, 1, 2, 3, 4, 5, 6, 8, 9, 10, 7], 10, 1))  # first 7 left the window
        self.assertIsNone(repetition_banned(list(range(20)), 10, 1))


if __name__ == "__main__":
    unittest.main()

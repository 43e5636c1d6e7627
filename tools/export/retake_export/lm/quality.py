"""The quality gate of the quantized LM variants: each variant's logits and greedy continuations against fp32.

The fp32 side is the torch model run layer by layer over whole sequences (one layer's weights in memory at a time,
so the 3.5 B model needs ~0.5 GB), the variant side the exported graph on onnxruntime-node (ort_lm_run.mjs). On a
few fixed edit-shaped prompts:

  1. The fp32 greedy continuation (argmax after the reference's repetition guard) of `steps` ids per prompt. Running
     fp32 id by id would need the whole model in memory, so it is found by speculation: a variant proposes a
     continuation, one fp32 pass over prompt + proposal checks every position at once, the first position where
     fp32 chooses another id is corrected, and the variant proposes again from there. The result is exactly the
     fp32 greedy path, and every row of fp32 logits along it.
  2. Each variant runs teacher-forced along that path (the same inputs as fp32 at every position) and greedily on
     its own from each prompt.

Recorded per variant (the manifest's `quality`): top-1 agreement (the share of positions where the variant's and
fp32's largest logits are the same id), max and mean |Δ logits|, and per prompt how many leading ids of the
variant's own greedy continuation equal fp32's. A variant under MIN_TOP1_AGREEMENT[dtype] is refused (ExportError); the
app refuses such a manifest entry too (src-main/engines/editx/pack/quality.ts).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import tempfile
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..common.errors import ExportError
from .step1 import Layer, RMSNorm, Step1, Step1Config, alibi_bias, alibi_slopes

# Least top-1 agreement with fp32 per weight type. Why these values: tools/export/README.md "Quality gate" (honest
# variants measured on the tiny and full-size random models against deliberately broken ones). int8 must be nearly
# lossless even where fp32's choices are near-ties; int4's bar only separates honest 4-bit noise from broken weights.
# The app holds the same numbers (src-main/engines/editx/pack/quality.ts).
MIN_TOP1_AGREEMENT = {"int8": 0.9, "int4": 0.25}

RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ort_lm_run.mjs")
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))

_TEXTS = [
    "human\nMake the following audio more happy. The text corresponding to the audio is: 今天天气真好，我们去公园散步吧。\n",
    "human\nRemove any noise from the given audio while preserving the voice content clearly.\n",
    "human\nAdd some non-verbal sounds to make the audio more natural, the new text is : Great[Laughter], the weather.\n",
    "human\nMake the following audio more whisper. The text corresponding to the audio is: I told you it would rain.\n",
    "human\nMake the following audio more faster. The text corresponding to the audio is: 我觉得这个计划大概是可行的。\n",
    "human\nClone the voice: Good evening, and welcome to the nine o'clock news.\n",
]


def repetition_banned(history: List[int], window: int, max_count: int) -> Optional[int]:
    """The reference's repetition guard: the last id is banned when it occurs more than max_count times in the last
    `window` ids (prompt included); nothing is banned while fewer than `window` ids exist."""
    if len(history) < window:
        return None
    last = history[-1]
    return last if history[-window:].count(last) > max_count else None


def gate_prompts(vocab_size: int, audio_base: int, audio_count: int, tokenizer_path: Optional[str] = None,
                 audio_ids: Sequence[int] = (48, 64, 80, 56, 72, 40), seed: int = 7) -> List[List[int]]:
    """Six fixed edit-shaped prompts (six, so that 16 greedy ids each give 96 positions): BOS, turn start, an instruction (tokenized when a tokenizer is given, else
    random text ids), a run of audio ids, turn end, turn start — what real prompts are mostly made of."""
    rng = random.Random(seed)
    encode = None
    if tokenizer_path:
        import sentencepiece as spm

        encode = spm.SentencePieceProcessor(model_file=tokenizer_path).encode
    text_top = max(6, min(audio_base, vocab_size))
    prompts = []
    for text, n_audio in zip(_TEXTS, audio_ids):
        ids = encode(text) if encode else [rng.randrange(5, text_top) for _ in range(32)]
        audio = [audio_base + rng.randrange(audio_count) for _ in range(n_audio)]
        prompts.append([t for t in [1, 4] + ids + audio + [3, 4] if t < vocab_size])
    return prompts


class Reference:
    """fp32 logits at every position of whole sequences, computed layer by layer.

    embed(ids) -> (T, hidden) float32; layers() yields each decoder layer as an fp32 torch Layer (it may be the same
    module with new weights every time); norm_weight (hidden,); head(h (T, hidden)) -> (T, vocab) float32."""

    def __init__(self, cfg: Step1Config, embed: Callable[[List[int]], np.ndarray], layers: Callable[[], Iterator[Layer]],
                 norm_weight: np.ndarray, head: Callable[[np.ndarray], np.ndarray]):
        self.cfg, self.embed, self.layers, self.norm_weight, self.head = cfg, embed, layers, norm_weight, head
        self.slopes = alibi_slopes(cfg)

    @torch.no_grad()
    def logits(self, seqs: List[List[int]]) -> List[np.ndarray]:
        cfg = self.cfg
        xs = [torch.from_numpy(np.ascontiguousarray(self.embed(s), dtype=np.float32))[None] for s in seqs]
        biases = [alibi_bias(cfg, self.slopes, 0, len(s)) for s in seqs]
        empty = torch.zeros(0, cfg.num_groups, cfg.dim_head)
        for layer in self.layers():
            xs = [layer(x, empty, empty, b)[0] for x, b in zip(xs, biases)]
        norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        norm.weight.copy_(torch.from_numpy(np.asarray(self.norm_weight, dtype=np.float32)))
        return [self.head(norm(x[0]).numpy()) for x in xs]


def reference_from_model(model: Step1) -> Reference:
    """The reference of a torch Step1 in memory (fp32, or bf16 upcast one layer at a time)."""
    import copy

    def layers():
        for layer in model.model.layers:
            yield layer if layer.mlp.up_proj.weight.dtype == torch.float32 else copy.deepcopy(layer).float()

    embed_w = model.model.embed_tokens.weight
    head_w = model.lm_head.weight
    return Reference(
        model.cfg,
        lambda ids: embed_w[torch.tensor(ids)].float().numpy(),
        layers,
        model.model.norm.weight.detach().float().numpy(),
        lambda h: (torch.from_numpy(h) @ head_w.detach().float().T).numpy(),
    )


def reference_from_source(cfg: Step1Config, source: Callable[[str], np.ndarray],
                          rows: Callable[[str, int, int], np.ndarray], head_chunk: int = 8192) -> Reference:
    """The reference of weights produced on demand (random_weights.RandomWeights: `tensor` and `rows`)."""
    layer = Layer(cfg)

    def layers():
        for i in range(cfg.num_layers):
            with torch.no_grad():
                for name, p in layer.named_parameters():
                    p.copy_(torch.from_numpy(source(f"model.layers.{i}.{name}")))
            yield layer

    def embed(ids):
        return np.stack([rows("model.embed_tokens.weight", t, t + 1)[0] for t in ids])

    def head(h):
        out = np.empty((h.shape[0], cfg.vocab_size), dtype=np.float32)
        for at in range(0, cfg.vocab_size, head_chunk):
            w = rows("lm_head.weight", at, at + head_chunk)
            out[:, at:at + w.shape[0]] = h @ w.T
        return out

    return Reference(cfg, embed, layers, source("model.norm.weight"), head)


def run_variant(model_path: str, runs: List[dict], vocab: int, threads: int = 1) -> Tuple[List[List[int]], np.ndarray, dict]:
    """Runs ort_lm_run.mjs; returns the ids of each run, the logits rows (sum of steps, vocab) and its timings."""
    if shutil.which("node") is None:
        raise ExportError("node is not on PATH: the quality gate runs the quantized graphs on onnxruntime-node "
                          "(the repository's node_modules)")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "logits.f32")
        req = {"model": os.path.abspath(model_path), "threads": threads, "logitsOut": out, "runs": runs}
        r = subprocess.run(["node", RUNNER], input=json.dumps(req), capture_output=True, text=True, cwd=REPO)
        if r.returncode != 0:
            raise ExportError(f"onnxruntime-node could not run {model_path}: {r.stderr.strip()[-1500:]}")
        res = json.loads(r.stdout)
        logits = np.fromfile(out, dtype="<f4").reshape(res["rows"], vocab)
    return [x["ids"] for x in res["runs"]], logits, {"loadMs": res["loadMs"], "stepMs": res["stepMs"]}


def _guarded_argmax(row: np.ndarray, history: List[int], guard: dict) -> int:
    ban = repetition_banned(history, guard["window"], guard["maxCount"])
    if ban is None:
        return int(np.argmax(row))
    r = row.copy()
    r[ban] = -np.inf
    return int(np.argmax(r))


def fp32_greedy(reference: Reference, prompts: List[List[int]], steps: int, guard: dict,
                draft: Callable[[List[List[int]], int], List[List[int]]], log=lambda s: None
                ) -> Tuple[List[List[int]], List[np.ndarray]]:
    """The fp32 greedy continuation of each prompt and its logits rows (steps, vocab), by speculation: `draft(
    prefixes, n)` proposes n further ids after each prefix; one fp32 pass checks them all."""
    paths: List[List[int]] = [[] for _ in prompts]
    rows: List[List[Optional[np.ndarray]]] = [[None] * steps for _ in prompts]
    rounds = 0
    while True:
        todo = [i for i in range(len(prompts)) if len(paths[i]) < steps]
        if not todo:
            break
        rounds += 1
        need = [steps - len(paths[i]) for i in todo]
        proposals = draft([prompts[i] + paths[i] for i in todo], max(need))
        cands = [paths[i] + proposals[k][:need[k]] for k, i in enumerate(todo)]
        ref = reference.logits([prompts[i] + c[:-1] for i, c in zip(todo, cands)])
        fixed = 0
        for k, i in enumerate(todo):
            p = len(prompts[i])
            cand = cands[k]
            for j in range(len(paths[i]), steps):
                row = ref[k][p - 1 + j]
                rows[i][j] = row
                choice = _guarded_argmax(row, prompts[i] + cand[:j], guard)
                if choice != cand[j]:
                    paths[i] = cand[:j] + [choice]
                    fixed += 1
                    break
            else:
                paths[i] = cand
        log(f"    fp32 greedy, round {rounds}: {fixed} of {len(todo)} proposals corrected")
    return paths, [np.stack(r) for r in rows]


def measure(paths: List[List[int]], ref_rows: List[np.ndarray], forced_rows: np.ndarray,
            own: List[List[int]]) -> dict:
    """The quality record of one variant: `forced_rows` its logits along the fp32 paths (rows in path order), `own`
    its greedy continuations."""
    ref = np.concatenate(ref_rows, axis=0)
    if ref.shape != forced_rows.shape:
        raise ValueError(f"{forced_rows.shape} rows for {ref.shape} reference rows")
    delta = np.abs(forced_rows.astype(np.float64) - ref)
    agree = float(np.mean(np.argmax(forced_rows, axis=1) == np.argmax(ref, axis=1)))
    top2 = np.partition(ref, -2, axis=1)[:, -2:]
    margin = float(np.median(top2[:, 1] - top2[:, 0]))
    prefix = []
    for a, b in zip(own, paths):
        n = 0
        while n < min(len(a), len(b)) and a[n] == b[n]:
            n += 1
        prefix.append(n)
    return {
        "reference": "fp32",
        "prompts": len(paths),
        "positions": int(ref.shape[0]),
        "top1Agreement": round(agree, 4),
        "maxAbsLogitDelta": float(f"{delta.max():.4g}"),
        "meanAbsLogitDelta": float(f"{delta.mean():.4g}"),
        "greedySteps": len(paths[0]),
        "greedyPrefix": prefix,
        "fp32MedianMargin": float(f"{margin:.4g}"),
    }


def evaluate(variant_path: str, vocab: int, prompts: List[List[int]], paths: List[List[int]],
             ref_rows: List[np.ndarray], guard: dict, threads: int = 1) -> dict:
    steps = len(paths[0])
    runs = [{"prompt": p, "steps": steps, "forced": path, "guard": None} for p, path in zip(prompts, paths)]
    runs += [{"prompt": p, "steps": steps, "forced": None, "guard": guard} for p in prompts]
    ids, logits, timing = run_variant(variant_path, runs, vocab, threads)
    n = len(prompts) * steps
    q = measure(paths, ref_rows, logits[:n], ids[len(prompts):])
    return q


def passes(dtype: str, quality: dict) -> bool:
    return quality["top1Agreement"] >= MIN_TOP1_AGREEMENT[dtype]


def check(name: str, dtype: str, quality: dict) -> None:
    if not passes(dtype, quality):
        raise ExportError(
            f"LM variant {name}: its top-1 id agrees with fp32 at {quality['top1Agreement']:.1%} of "
            f"{quality['positions']} positions, under the {dtype} gate's {MIN_TOP1_AGREEMENT[dtype]:.0%} (max |Δ logits| "
            f"{quality['maxAbsLogitDelta']:.3g}); it is not written. Use more bits or smaller blocks.")

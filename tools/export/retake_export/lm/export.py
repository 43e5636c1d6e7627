"""Exports the Step1 LM as a model-pack component (ONNX graphs + manifest entry), from the published checkpoint or
as a tiny random model with reference outputs for the TypeScript tests.

  python3 -m retake_export lm --tiny-random [--out test/fixtures/generated/tiny-pack] [--seed 1234]
  python3 -m retake_export lm --checkpoint DIR --out PACK_DIR [--dtypes fp16,fp32]

See tools/export/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import sys
import time
from typing import Dict, List, Optional

import torch

from ..common import manifest as pack_manifest
from ..common.errors import ExportError
from ..common.paths import DEFAULT_TINY_PACK, GENERATED, REPO
from ..text import component as text_component
from ..text import hf_fast, tiny_tokenizer, tokenizer_check
from . import fp16_check, onnx_lm, quality
from .checkpoint import CheckpointError, StreamedCheckpoint, config_for, load_into
from .step1 import Step1, Step1Config, init_random, load_config_file, tiny_config

DEFAULT_TINY_OUT = DEFAULT_TINY_PACK

# EDITX-SPEC.md section 5. topK 50 is the transformers library default the reference inherits (verify).
GENERATION = {
    "temperature": 0.7,
    "topK": 50,
    "topP": 1.0,
    "repetitionWindow": 10,
    "repetitionMaxCount": 1,
    "eosId": 3,
    "maxTotalIds": 8192,
    "audioIdBase": 65536,
    "audioIdCount": 5120,
}
TOKENIZER_IDS = {"pad": 0, "bos": 1, "eos": 2, "eot": 3, "bot": 4}


def manifest_config(cfg: Step1Config) -> dict:
    j = cfg.to_json()
    return {
        "vocabSize": j["vocab_size"],
        "hiddenSize": j["hidden_size"],
        "intermediateSize": j["intermediate_size"],
        "numLayers": j["num_layers"],
        "numHeads": j["num_heads"],
        "numGroups": j["num_groups"],
        "headDim": j["head_dim"],
        "rmsNormEps": j["rms_norm_eps"],
        "alibiSlopeRule": j["alibi_slope_rule"],
        "alibiSlopes": j["alibi_slopes"],
    }


repetition_banned = quality.repetition_banned

QUANTIZED = ("int8", "int4")
# The variant made from a published AWQ checkpoint (--awq): its 4-bit layers repacked, lm_head at 8 bits and the
# accuracy level of our own int4 (weights.DEFAULT_VARIANTS), so that the two differ only in how the layers were quantized.
AWQ_VARIANT = "int4-awq"


def export_quantized(cfg: Step1Config, names: List[str], source, rows, out: str, prompts: List[List[int]], log,
                     steps: int = 16, threads: int = 1, awq_dir: Optional[str] = None) -> Dict[str, dict]:
    """Writes the weight-only quantized variants `names` (weights.parse_variant) from checkpoint tensors given one at
    a time (`source(name)`, `rows(name, start, stop)`: float32 as stored), and with `awq_dir` the AWQ_VARIANT repacked
    from that AWQ checkpoint (awq.py), then runs the quality gate on `prompts` against the fp32 model made from the
    tensors of `source` (the bf16 checkpoint: the AWQ variant is measured against the same reference as ours). A
    variant under the gate is removed and ExportError raised."""
    import tempfile

    from . import awq, expand, variants, weights

    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        graph = expand.expand(variants.one_layer_graph(cfg, tmp), cfg)
    entries = {n: variants.write_variant(graph, n, weights.parse_variant(n), cfg, source, out, log) for n in names}
    gated = list(names)
    if awq_dir:
        ours = weights.DEFAULT_VARIANTS["int4"]
        entries[AWQ_VARIANT] = awq.export_variant(awq_dir, cfg, out, AWQ_VARIANT, ours.accuracy_level,
                                                  ours.head.bits if ours.head else 32, log)
        gated.append(AWQ_VARIANT)
    reference = quality.reference_from_source(cfg, source, rows)
    failed = variants.gate_variants(cfg, reference, prompts, out, entries, gated, steps, threads, log)
    variants.refuse(out, entries, failed)
    return entries


def export_variants(model: Step1, out: str, dtypes: List[str], extra_present: bool, log,
                    calibration: Optional[List[List[int]]] = None) -> Dict[str, dict]:
    """Exports each variant from `model`. export() converts the model in place to its tracing dtype (fp32, or bf16
    for the fp16 graph), so the fp32 graphs go first: the bf16 step is lossless only for bf16-valued weights.

    fp16 is exported only when the activations of the calibration prompts (default: fp16_check.calibration_prompts
    without a tokenizer) stay within fp16_check.FP16_ACTIVATION_LIMIT; the maxima go into the fp16 variant's entry as
    `activationCheck`. Raises ExportError before writing anything otherwise."""
    variants: Dict[str, dict] = {}
    fp16_record = None
    if "fp16" in dtypes:
        t0 = time.time()
        prompts = calibration or fp16_check.calibration_prompts(
            model.cfg.vocab_size, GENERATION["audioIdBase"], GENERATION["audioIdCount"])
        fp16_record = fp16_check.check_fp16(model, prompts)
        log(f"  fp16 check: max |residual| {max(fp16_record['residual']):.4g}, max |swiglu| "
            f"{max(fp16_record['swiglu']):.4g} over {fp16_record['ids']} ids (limit {fp16_record['limit']:.0f}) "
            f"in {time.time() - t0:.1f} s")
    jobs = [(d, "append") for d in dtypes if d == "fp32"] + ([("fp32", "present")] if extra_present else [])
    jobs += [(d, "append") for d in dtypes if d != "fp32"]
    for dtype, kv_io in jobs:
        name = dtype if kv_io == "append" else f"{dtype}-present"
        fname = f"lm.{name}.onnx"
        t0 = time.time()
        io = onnx_lm.export(model, os.path.join(out, fname), dtype, kv_io)
        files = [pack_manifest.file_entry(out, f) for f in io.pop("files")]
        variants[name] = {"files": files, **io}
        if name == "fp16" and fp16_record is not None:
            variants[name]["activationCheck"] = fp16_record
        log(f"  {fname}: {sum(f['bytes'] for f in files) / 1e6:.1f} MB in {time.time() - t0:.1f} s")
    return variants


def _clone(model: Step1) -> Step1:
    c = Step1(model.cfg, dtype=next(model.parameters()).dtype, skip_init=True)
    c.load_state_dict(model.state_dict())
    return c


@torch.no_grad()
def write_reference(model: Step1, out: str, prompt_ids: List[int], prompt_text: str, steps: int) -> dict:
    """Greedy decode (with the repetition guard) in torch fp32; records the logits of every step."""
    model = model.float().eval()
    logits_rows = []
    ids: List[int] = []
    margins: List[float] = []
    history = list(prompt_ids)
    past = model.empty_past()
    feed = prompt_ids
    for _ in range(steps + 1):
        logits, new = model(torch.tensor([feed], dtype=torch.int64), past)
        past = [torch.cat([a, b], 0) for a, b in zip(past, new)]
        row = logits[0].clone()
        logits_rows.append(row)
        guarded = row.clone()
        banned = repetition_banned(history, GENERATION["repetitionWindow"], GENERATION["repetitionMaxCount"])
        if banned is not None:
            guarded[banned] = float("-inf")
        top2 = torch.topk(guarded, 2)
        nxt = int(top2.indices[0])
        margins.append(float(top2.values[0] - top2.values[1]))
        ids.append(nxt)
        history.append(nxt)
        feed = [nxt]
    ref_dir = os.path.join(out, "reference")
    os.makedirs(ref_dir, exist_ok=True)
    data = torch.stack(logits_rows).contiguous().numpy().astype("<f4")
    with open(os.path.join(ref_dir, "lm-logits.f32"), "wb") as f:
        f.write(data.tobytes())
    ref = {
        "description": "torch fp32 reference of the tiny Step1: the last-position logits after the prompt, then after "
        "each of the decode steps, feeding the greedy id (argmax after the repetition guard) each time.",
        "promptText": prompt_text,
        "promptIds": prompt_ids,
        "decodeSteps": steps,
        "greedyIds": ids,
        "greedyMargins": margins,
        "logits": {"file": "lm-logits.f32", "dtype": "float32", "byteOrder": "little",
                   "shape": [steps + 1, model.cfg.vocab_size]},
        "generation": GENERATION,
    }
    with open(os.path.join(ref_dir, "lm-reference.json"), "w", encoding="utf-8") as f:
        json.dump(ref, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return ref


# Strings whose python-sentencepiece encodings are written for the TypeScript tokenizer's tests.
TOKENIZER_CASES = [
    "system\n",
    "human\n",
    "assistant\n",
    "\n",
    "\nhello",
    "Make the following audio more happy. The text corresponding to the audio is: Great, the weather is so nice today.\n",
    "Add some non-verbal sounds to make the audio more natural, the new text is : Great[Laughter], the weather is so nice today[Surprise-ah].\n  The text corresponding to the audio is: Great, the weather is so nice today.\n",
    "今天天气真好，我们去公园散步吧。",
    "我觉得这个计划大概是可行的，不过还需要再仔细考虑一下。",
    "中英混合 mixed text: 9:30 开会, room 204!",
    "<audio_0><audio_1023><audio_1024><audio_5119><audio_65>",
    "tokens: <audio_12><audio_1030>\n",
    "<audio_5120> <audio_-1> <audio_12",
    "rare characters 😀 龘 ñ é ß",
    "  double  spaces and trailing space ",
    "tabs\tand\r\nwindows newlines",
    "[Sichuanese][Cantonese] 你好呀",
    "<s></s><|BOT|><|EOT|><unk>",
    "",
]


def write_tokenizer_cases(tok_path: str, out: str) -> None:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=tok_path)
    cases = [{"text": t, "ids": sp.encode(t), "pieces": sp.encode(t, out_type=str)} for t in TOKENIZER_CASES]
    ref_dir = os.path.join(out, "reference")
    os.makedirs(ref_dir, exist_ok=True)
    with open(os.path.join(ref_dir, "tokenizer-cases.json"), "w", encoding="utf-8") as f:
        json.dump({"description": "python sentencepiece encode() of each text with the pack's tokenizer.model "
                   "(no BOS/EOS added)", "cases": cases}, f, indent=1, ensure_ascii=False)
        f.write("\n")


def tiny_prompt(tok_path: str) -> tuple:
    # Tokenized as the pack's default tokenizer mode does: the reference's fast tokenizer, one call per text run.
    tok = hf_fast.from_file(tok_path)
    audio = "".join(f"<audio_{n}>" for n in [12, 907, 1024 + 33, 1024 + 4000, 1024 + 7, 5, 6, 1024 + 1, 1024 + 2, 1024 + 3])
    instruction = "Make the following audio more happy. The text corresponding to the audio is: 今天天气真好。\n"
    ids = [1, 4] + tok.encode("system\nYou edit audio.\n") + [3, 4] + tok.encode("human\n")
    ids += tok.encode(instruction + "\n" + audio + "\n") + [3, 4] + tok.encode("assistant\n")
    text = "<s><|BOT|>system\nYou edit audio.\n<|EOT|><|BOT|>human\n" + instruction + "\n" + audio + "\n<|EOT|><|BOT|>assistant\n"
    return ids, text


def text_tokenizer_component(out: str, rel_path: str, vocab_size: int, chat_template=None,
                             model_revision=None) -> dict:
    """The pack's textTokenizer entry for `out/rel_path`, after checking that the tokenizer gives the ids it promises."""
    check_tokenizer(os.path.join(out, rel_path), vocab_size)
    return text_component.component(out, rel_path, vocab_size, TOKENIZER_IDS, GENERATION["audioIdBase"],
                                    GENERATION["audioIdCount"], chat_template, model_revision)


def check_tokenizer(path: str, vocab_size: int) -> None:
    tokenizer_check.check(path, vocab_size, TOKENIZER_IDS, GENERATION["audioIdBase"], GENERATION["audioIdCount"])


def run_tiny(out: str, seed: int, steps: int, log) -> None:
    os.makedirs(out, exist_ok=True)
    _gitignore_generated(out)
    cfg = tiny_config()
    torch.manual_seed(seed)
    model = Step1(cfg)
    init_random(model, seed)
    tok_path = os.path.join(out, "tokenizer.model")
    tiny_tokenizer.build(tok_path)
    log(f"  tokenizer.model: {os.path.getsize(tok_path) / 1e6:.1f} MB")
    write_tokenizer_cases(tok_path, out)
    prompt_ids, prompt_text = tiny_prompt(tok_path)
    ref = write_reference(_clone(model), out, prompt_ids, prompt_text, steps)
    if GENERATION["eosId"] in ref["greedyIds"]:
        raise RuntimeError("the tiny model's greedy path hits the end id; pick another --seed")
    log(f"  reference: prompt {len(prompt_ids)} ids, {steps} decode steps")
    calibration = fp16_check.calibration_prompts(cfg.vocab_size, GENERATION["audioIdBase"], GENERATION["audioIdCount"],
                                                 tok_path)
    state = {k: v.detach().float().numpy().copy() for k, v in model.state_dict().items()}
    variants = export_variants(model, out, ["fp32", "fp16"], extra_present=True, log=log, calibration=calibration)
    prompts = quality.gate_prompts(cfg.vocab_size, GENERATION["audioIdBase"], GENERATION["audioIdCount"], tok_path)
    variants.update(export_quantized(cfg, list(QUANTIZED), state.__getitem__, lambda n, a, b: state[n][a:b], out,
                                     prompts, log, steps=32))
    components = {
        "lm": {
            "architecture": "step1",
            "config": manifest_config(cfg),
            "defaultVariant": {"cpu": "fp32", "gpu": "fp16"},
            "variants": variants,
            "generation": GENERATION,
            "runtime": {"prefillChunk": 512},
        },
        "textTokenizer": text_tokenizer_component(out, "tokenizer.model", tiny_tokenizer.VOCAB_SIZE,
                                                  tiny_tokenizer.chat_template()),
    }
    pack_manifest.merge(out, "tiny-random", f"Tiny random-weight Step1 (seed {seed}) for tests; not a usable model.",
                        components)


def run_kv_bench(out: str, seed: int, log) -> None:
    os.makedirs(out, exist_ok=True)
    _gitignore_generated(out)
    cfg = Step1Config(hidden_size=64, intermediate_size=64, num_layers=32, num_heads=48, num_groups=4, head_dim=64)
    model = Step1(cfg)
    init_random(model, seed)
    variants = export_variants(model, out, ["fp32"], extra_present=True, log=log)
    pack_manifest.merge(out, "kv-bench", "Random Step1 with the published KV-cache geometry, for bench/lm only.", {
        "lm": {"architecture": "step1", "config": manifest_config(cfg), "defaultVariant": {"cpu": "fp32", "gpu": "fp32"},
               "variants": variants, "generation": GENERATION, "runtime": {"prefillChunk": 512}}})


def _gitignore_generated(out: str) -> None:
    """Generated packs live under test/fixtures/generated/, which keeps itself out of git."""
    gen_root = GENERATED
    if os.path.abspath(out).startswith(os.path.abspath(gen_root) + os.sep):
        os.makedirs(gen_root, exist_ok=True)
        marker = os.path.join(gen_root, ".gitignore")
        if not os.path.exists(marker):
            with open(marker, "w", encoding="utf-8") as f:
                f.write("# generated by tools/export (bash tools/export/run-tests.sh); never committed\n*\n")


def run_checkpoint(checkpoint: str, config: Optional[str], out: str, dtypes: List[str], log,
                   model_revision: Optional[str] = None, threads: int = 1, awq_dir: Optional[str] = None) -> None:
    cfg = load_config_file(config) if config else config_for(checkpoint)
    if cfg is None:
        log("  no config.json next to the checkpoint: using the sizes of EDITX-SPEC.md section 5")
        cfg = Step1Config()
    src_dir = checkpoint if os.path.isdir(checkpoint) else os.path.dirname(checkpoint)
    tok = os.path.join(src_dir, "tokenizer.model")
    has_tok = os.path.isfile(tok)
    chat_template = text_component.read_chat_template(src_dir)
    if has_tok:
        check_tokenizer(tok, cfg.vocab_size)  # before minutes of loading and exporting
    os.makedirs(out, exist_ok=True)
    floats = [d for d in dtypes if d in ("fp16", "fp32")]
    quantized = [d for d in dtypes if d not in floats]
    variants: Dict[str, dict] = {}
    if quantized or awq_dir:
        # Streamed: one checkpoint tensor in memory at a time, for the variants and for the gate's fp32 reference.
        ckpt = StreamedCheckpoint(checkpoint, cfg)
        try:
            prompts = quality.gate_prompts(cfg.vocab_size, GENERATION["audioIdBase"], GENERATION["audioIdCount"],
                                           tok if has_tok else None)
            variants.update(export_quantized(cfg, quantized, ckpt.tensor, ckpt.rows, out, prompts, log, threads=threads,
                                             awq_dir=awq_dir))
        finally:
            ckpt.close()
    if floats:
        t0 = time.time()
        # fp16 alone is traced in bf16, the checkpoint's own dtype: no need for an fp32 copy of the weights.
        model = Step1(cfg, dtype=torch.float32 if "fp32" in floats else torch.bfloat16, skip_init=True)
        stored = load_into(model, checkpoint)
        log(f"  loaded {len(stored)} tensors ({', '.join(sorted(set(stored.values())))}) in {time.time() - t0:.0f} s")
        calibration = fp16_check.calibration_prompts(cfg.vocab_size, GENERATION["audioIdBase"], GENERATION["audioIdCount"],
                                                     tok if has_tok else None)
        variants.update(export_variants(model, out, floats, extra_present=False, log=log, calibration=calibration))
    cpu = "fp32" if "fp32" in dtypes else dtypes[0]
    gpu = "fp16" if "fp16" in dtypes else dtypes[0]
    components: Dict[str, dict] = {
        "lm": {
            "architecture": "step1",
            "config": manifest_config(cfg),
            "defaultVariant": {"cpu": cpu, "gpu": gpu},
            "variants": variants,
            "generation": GENERATION,
            "runtime": {"prefillChunk": 512},
        }
    }
    if has_tok:
        shutil.copyfile(tok, os.path.join(out, "tokenizer.model"))
        components["textTokenizer"] = text_tokenizer_component(out, "tokenizer.model", cfg.vocab_size, chat_template,
                                                               model_revision)
        log(f"  chat template: {'copied from tokenizer_config.json' if chat_template else 'none in ' + src_dir}")
        if model_revision is None:
            log("  no --model-revision: the pack follows the 2025-12 reference profile unless promptEncoding says otherwise")
    else:
        log(f"  no tokenizer.model in {src_dir}: the pack has no textTokenizer component yet")
    pack_manifest.merge(out, "step-audio-editx", "Step-Audio-EditX exported by tools/export", components)


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m retake_export lm", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--tiny-random", action="store_true", help="tiny random-weight model + tokenizer + references")
    src.add_argument("--kv-bench", action="store_true",
                     help="random model with the real KV-cache geometry (32 layers, 4 groups x 64) on a 64-wide "
                          "residual, fp32 append + present graphs, for bench/lm (default --out "
                          "test/fixtures/generated/kv-bench-pack)")
    src.add_argument("--full-size-random", action="store_true",
                     help="random model of the published shape, written one tensor at a time (never whole in memory), "
                          "for bench/lm --full-size and the quality gate at full size (default --out "
                          "test/fixtures/generated/full-size-pack; see --variants)")
    src.add_argument("--checkpoint", help="folder of the published LM (config.json, *.safetensors, tokenizer.model)")
    ap.add_argument("--config", help="Step1 config JSON overriding the checkpoint's config.json")
    ap.add_argument("--out", help=f"pack folder (default for --tiny-random: {os.path.relpath(DEFAULT_TINY_OUT, REPO)})")
    ap.add_argument("--dtypes", default="fp16,fp32",
                    help="variants to export from a checkpoint: fp16, fp32, and the weight-only quantized int8, int4 "
                         "(or a changed one, e.g. int4-b32; see --variants), which are streamed (one tensor in memory) "
                         "and pass the quality gate")
    ap.add_argument("--awq", help="--checkpoint: also the folder of the published AWQ 4-bit checkpoint of the same "
                                  "weights, repacked for MatMulNBits without re-quantizing into the variant int4-awq and "
                                  "measured by the quality gate against the --checkpoint weights")
    ap.add_argument("--model-revision", help="release date (YYYY-MM-DD) of the published weights, recorded in the "
                                             "pack; picks the prompt profile (2026-01-29 and later: 2026)")
    ap.add_argument("--variants", default="fp32,int8,int4",
                    help="--full-size-random: fp32 and quantized variants (int8, int4, or a changed one such as "
                         "int4-b32-asym-acc0-head32: see weights.parse_variant); a variant already written is kept")
    ap.add_argument("--gate", choices=["enforce", "report", "off"], default="enforce",
                    help="--full-size-random: the quality gate refuses variants under it (enforce), or only measures "
                         "and records every variant's figures (report: for comparing choices), or does not run (off)")
    ap.add_argument("--gate-steps", type=int, default=16, help="--full-size-random: greedy ids per gate prompt")
    ap.add_argument("--threads", type=int, default=2, help="onnxruntime threads for the quality gate")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--steps", type=int, default=32, help="decode steps in the tiny reference")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    if a.awq and not a.checkpoint:
        ap.error("--awq needs --checkpoint: the bf16 weights its variant is measured against")
    log = (lambda s: None) if a.quiet else (lambda s: print(s, flush=True))
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    try:
        if a.full_size_random:
            from . import full_size

            out = os.path.abspath(a.out or os.path.join(GENERATED, "full-size-pack"))
            _gitignore_generated(out)
            names = [v.strip() for v in a.variants.split(",") if v.strip()]
            log(f"full-size random Step1 ({', '.join(names)}) -> {out}")
            full_size.run(out, names, a.seed, log, gate=a.gate, steps=a.gate_steps, threads=a.threads)
        elif a.kv_bench:
            out = os.path.abspath(a.out or os.path.join(REPO, "test", "fixtures", "generated", "kv-bench-pack"))
            log(f"KV-geometry benchmark pack -> {out}")
            run_kv_bench(out, a.seed, log)
        elif a.tiny_random:
            out = os.path.abspath(a.out or DEFAULT_TINY_OUT)
            log(f"tiny random pack -> {out}")
            run_tiny(out, a.seed, a.steps, log)
        else:
            if not a.out:
                ap.error("--out is required with --checkpoint")
            dtypes = [d.strip() for d in a.dtypes.split(",") if d.strip()]
            if not dtypes:
                ap.error("--dtypes: name at least one variant")
            from .weights import parse_variant

            for d in dtypes:
                if d not in ("fp16", "fp32"):
                    parse_variant(d)  # ExportError naming what is wrong
            log(f"Step1 from {a.checkpoint} -> {a.out}")
            run_checkpoint(a.checkpoint, a.config, os.path.abspath(a.out), dtypes, log, a.model_revision, a.threads,
                           os.path.abspath(a.awq) if a.awq else None)
    except (CheckpointError, ExportError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

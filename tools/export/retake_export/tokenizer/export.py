"""`python3 -m retake_export tokenizer`: the audio tokenizer components of a pack (`vq02`, `vq06`).

  python3 -m retake_export tokenizer --tiny-random --out DIR [--seed N]
  python3 -m retake_export tokenizer --from STEP_AUDIO_TOKENIZER_DIR --out PACK_DIR [--skip-vq06]

--from reads the published Step-Audio-Tokenizer folder: the FunASR Paraformer folder (config.yaml, am.mvn and the
checkpoint model.pt / model.pb, or model.safetensors) anywhere below it, and linguistic_tokenizer.npy and
speech_tokenizer_v1.onnx at its top or beside config.yaml. The encoder's settings are read from config.yaml
(EDITX-SPEC.md §4 marks them "verify"), its tensors are mapped by name (a mismatch names every missing, unexpected and
misshaped tensor), and it is exported as the chunk-step graph of onnx_encoder.py. am.mvn, the codebook and the S3
tokenizer ONNX are copied unchanged (hashed in the manifest); the S3 graph's input/output names, types and shapes are
read from the file and recorded. --skip-vq06 exports only vq02 (used for the upstream goldens, which have no S3 model).

--tiny-random writes the tiny pack's parts: a random encoder of the published structure, a random am.mvn and codebook,
the S3 stand-in (s3_standin.py), torch references for the TypeScript tests (reference/vq02-*.json, vq06-*.json), and
`reference/upstream-vq02/`: the upstream goldens' encoder (test/fixtures/editx/upstream/tokenizer) exported through
--from, so the TypeScript tests run upstream's weights through our graph.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch

from ..common import manifest as pack_manifest
from ..common.errors import ExportError
from ..common.paths import DEFAULT_TINY_PACK, REPO
from ..common.safetensors_io import SafetensorsFile
from . import frontend, onnx_encoder, s3_standin
from .paraformer import EncoderConfig, ParaformerEncoder, init_random, load_encoder, tiny_config

UPSTREAM_GOLDENS = os.path.join(REPO, "test", "fixtures", "editx", "upstream", "tokenizer")

# The reference's streaming call and its front-end loop (tokenizer.py, paraformer_streaming infer_encoder), which the
# published config.yaml does not hold.
STREAMING = {"chunkSize": [0, 4, 5], "lookBack": 4, "samplesPerLfrFrame": frontend.SAMPLES_PER_LFR_FRAME,
             "minFinalSamples": frontend.MIN_FINAL_SAMPLES}
# get_vq06_code: 30 s chunks of 16 kHz audio; a chunk shorter than 480 samples is dropped; about 25 codes per second.
VQ06 = {"melBins": s3_standin.MEL_BINS, "chunkSamples": 30 * 16000, "minChunkSamples": 480, "tokensPerSecond": 25,
        "codes": s3_standin.CODES}
CODEBOOK_SIZE = 1024
# Kaldi's fbank dither when FunASR's frontend_conf does not set one; we always run with 0 (reproducible codes).
KALDI_DEFAULT_DITHER = 1.0


def manifest_config(cfg: EncoderConfig) -> dict:
    return {"inputSize": cfg.input_size, "outputSize": cfg.output_size, "attentionHeads": cfg.attention_heads,
            "linearUnits": cfg.linear_units, "numBlocks": cfg.num_blocks, "kernelSize": cfg.kernel_size,
            "sanmShift": cfg.sanm_shift}


def frontend_settings(conf: dict) -> dict:
    return {
        "sampleRate": int(conf.get("fs", 16000)),
        "melBins": int(conf.get("n_mels", 80)),
        "frameLengthMs": int(conf.get("frame_length", 25)),
        "frameShiftMs": int(conf.get("frame_shift", 10)),
        "window": str(conf.get("window", "hamming")),
        "lfrM": int(conf.get("lfr_m", 1)),
        "lfrN": int(conf.get("lfr_n", 1)),
        "referenceDither": float(conf.get("dither", KALDI_DEFAULT_DITHER)),
        "wavRoundTrip": True,
    }


def check_frontend(fe: dict, cfg: EncoderConfig, source: str) -> None:
    """The runtime implements the reference's front end: refuse a config that asks for another."""
    want = {"sampleRate": 16000, "melBins": 80, "frameLengthMs": 25, "frameShiftMs": 10, "window": "hamming"}
    bad = [f"{k} {fe[k]!r} (the runtime implements {v!r})" for k, v in want.items() if fe[k] != v]
    if fe["melBins"] * fe["lfrM"] != cfg.input_size:
        bad.append(f"{fe['melBins']} mel bins × LFR {fe['lfrM']} ≠ the encoder's input size {cfg.input_size}")
    if fe["lfrM"] < 1 or fe["lfrN"] < 1:
        bad.append(f"LFR m {fe['lfrM']}, n {fe['lfrN']}")
    if bad:
        raise ExportError(f"{source}: unsupported front end: " + "; ".join(bad))


def vq02_component(out: str, cfg: EncoderConfig, model: ParaformerEncoder, fe: dict, mvn_rel: str,
                   codebook_rel: str, tensors: int, log) -> dict:
    shift, scale = frontend.read_am_mvn(os.path.join(out, mvn_rel))
    if shift.size != cfg.input_size:
        raise ExportError(f"{mvn_rel} has {shift.size} values per vector; the encoder reads {cfg.input_size}")
    cb = np.load(os.path.join(out, codebook_rel), mmap_mode="r")
    if cb.dtype != np.float32 or cb.ndim != 2 or cb.shape[1] != cfg.output_size or not cb.flags.c_contiguous:
        raise ExportError(f"{codebook_rel}: {cb.dtype} {list(cb.shape)}; the quantiser needs float32 (codes, "
                          f"{cfg.output_size}) in C order")
    t0 = time.time()
    files = onnx_encoder.export(model, os.path.join(out, "vq02.onnx"))
    log(f"  vq02.onnx: {sum(os.path.getsize(os.path.join(out, f)) for f in files) / 1e6:.1f} MB in "
        f"{time.time() - t0:.1f} s")
    return {
        "architecture": "paraformer-streaming",
        "encoder": {"files": [pack_manifest.file_entry(out, f) for f in files], **onnx_encoder.describe_io(model)},
        "config": manifest_config(cfg),
        "checkpointTensors": tensors,
        "frontend": fe,
        "streaming": STREAMING,
        "cmvn": {"file": pack_manifest.file_entry(out, mvn_rel), "dim": int(shift.size)},
        "codebook": {"file": pack_manifest.file_entry(out, codebook_rel), "size": int(cb.shape[0]),
                     "dim": int(cb.shape[1])},
    }


_ONNX_TYPES = {1: "float32", 10: "float16", 7: "int64", 6: "int32"}


def read_onnx_io(path: str) -> dict:
    import onnx

    m = onnx.load(path, load_external_data=False)
    inits = {i.name for i in m.graph.initializer}

    def info(v) -> dict:
        t = v.type.tensor_type
        dims = [d.dim_param or (d.dim_value if d.HasField("dim_value") else "?") for d in t.shape.dim]
        return {"name": v.name, "dtype": _ONNX_TYPES.get(t.elem_type, f"onnx-type-{t.elem_type}"), "shape": dims}

    return {"inputs": [info(v) for v in m.graph.input if v.name not in inits],
            "outputs": [info(v) for v in m.graph.output]}


def check_s3_io(io: dict, source: str) -> None:
    """The I/O upstream relies on (by position): log-mel float32 rank 3 with 128 bins, an int32 length, codes first."""
    ins, outs = io["inputs"], io["outputs"]
    problems = []
    if len(ins) != 2:
        problems.append(f"{len(ins)} inputs (upstream feeds 2)")
    else:
        mel, length = ins
        bins = mel["shape"][1] if len(mel["shape"]) == 3 else None
        if mel["dtype"] != "float32" or bins is None or not (bins == VQ06["melBins"] or isinstance(bins, str)):
            problems.append(f"input 0 {mel} is not float32 (1, {VQ06['melBins']}, T)")
        if length["dtype"] != "int32" or len(length["shape"]) != 1:
            problems.append(f"input 1 {length} is not an int32 vector")
    if not outs or outs[0]["dtype"] not in ("int32", "int64"):
        problems.append(f"output 0 {outs[0] if outs else None} is not integer codes")
    if problems:
        raise ExportError(f"{source} does not have the S3 tokenizer's I/O: " + "; ".join(problems))


def vq06_component(out: str, rel: str, io: dict, stand_in: bool) -> dict:
    return {"architecture": "s3-tokenizer-v1", "standIn": stand_in, "files": [pack_manifest.file_entry(out, rel)],
            **io, **VQ06}


# ---- --from --------------------------------------------------------------------------------------------------------

def find_funasr_folder(root: str) -> str:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if dirpath[len(root):].count(os.sep) > 3:
            dirnames[:] = []
        if "config.yaml" in filenames and "am.mvn" in filenames:
            found.append(dirpath)
    if len(found) != 1:
        raise ExportError(f"{root}: expected one FunASR model folder (config.yaml + am.mvn), found "
                          f"{len(found)}{': ' + ', '.join(found) if found else ''}")
    return found[0]


def read_checkpoint(folder: str) -> Tuple[Dict[str, torch.Tensor], str]:
    for name in ("model.safetensors", "model.pt", "model.pb"):
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            continue
        if name.endswith(".safetensors"):
            with SafetensorsFile(path) as f:
                return {k: f.get(k) for k in f.keys()}, path
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # a pickle holding more than tensors, or not a torch file at all
            raise ExportError(f"{path} is not a plain torch state dict ({e})") from e
        for key in ("state_dict", "model"):
            if isinstance(state, dict) and isinstance(state.get(key), dict):
                state = state[key]
        if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise ExportError(f"{path} does not hold a state dict of tensors")
        if state and all(k.startswith("module.") for k in state):  # saved from a DataParallel wrapper
            state = {k[len("module."):]: v for k, v in state.items()}
        return dict(state), path
    raise ExportError(f"{folder} has no model.pt, model.pb or model.safetensors")


def read_config(path: str) -> Tuple[EncoderConfig, dict]:
    import yaml

    with open(path, "r", encoding="utf-8") as f:
        conf = yaml.safe_load(f) or {}
    if conf.get("encoder") != "SANMEncoderChunkOpt":
        raise ExportError(f"{path}: encoder {conf.get('encoder')!r}; the tokenizer needs SANMEncoderChunkOpt")
    ec = conf.get("encoder_conf") or {}
    for k, want in (("input_layer", "pe_online"), ("selfattention_layer_type", "sanm"), ("normalize_before", True)):
        if ec.get(k, want) != want:
            raise ExportError(f"{path}: encoder_conf.{k} is {ec.get(k)!r}; the exporter implements {want!r}")
    fc = conf.get("frontend_conf") or {}
    if conf.get("frontend", "WavFrontendOnline") not in ("WavFrontendOnline", "WavFrontend"):
        raise ExportError(f"{path}: frontend {conf.get('frontend')!r} is not FunASR's Kaldi fbank front end")
    cfg = EncoderConfig(input_size=int(fc.get("n_mels", 80)) * int(fc.get("lfr_m", 1)),
                        output_size=int(ec.get("output_size", 256)), attention_heads=int(ec.get("attention_heads", 4)),
                        linear_units=int(ec.get("linear_units", 2048)), num_blocks=int(ec.get("num_blocks", 6)),
                        kernel_size=int(ec.get("kernel_size", 11)), sanm_shift=int(ec.get("sanm_shfit", 0)))
    cfg.validate()
    return cfg, fc


def find_beside(root: str, folder: str, name: str) -> Optional[str]:
    for d in (root, folder):
        p = os.path.join(d, name)
        if os.path.isfile(p):
            return p
    return None


def run_from(src: str, out: str, skip_vq06: bool, log, name: str = "step-audio-editx",
             description: str = "Step-Audio-EditX exported by tools/export") -> dict:
    root = os.path.abspath(src)
    if not os.path.isdir(root):
        raise ExportError(f"{src} is not a folder")
    folder = find_funasr_folder(root)
    cfg, fc = read_config(os.path.join(folder, "config.yaml"))
    fe = frontend_settings(fc)
    check_frontend(fe, cfg, os.path.join(folder, "config.yaml"))
    codebook = find_beside(root, folder, "linguistic_tokenizer.npy")
    if codebook is None:
        raise ExportError(f"{root}: linguistic_tokenizer.npy (the vq02 codebook) is missing")
    s3 = None if skip_vq06 else find_beside(root, folder, "speech_tokenizer_v1.onnx")
    if not skip_vq06 and s3 is None:
        raise ExportError(f"{root}: speech_tokenizer_v1.onnx (vq06) is missing; --skip-vq06 exports vq02 alone")
    s3_io = None
    if s3 is not None:
        s3_io = read_onnx_io(s3)
        check_s3_io(s3_io, s3)
    tensors, ckpt = read_checkpoint(folder)
    model, others = load_encoder(cfg, tensors, ckpt)
    n_encoder = len(tensors) - len(others)
    log(f"  {ckpt}: {n_encoder} encoder tensors ({cfg.num_blocks} blocks, d {cfg.output_size})"
        + (f"; {len(others)} other tensors (decoder, predictor, …) left out" if others else ""))
    os.makedirs(out, exist_ok=True)
    shutil.copyfile(os.path.join(folder, "am.mvn"), os.path.join(out, "am.mvn"))
    shutil.copyfile(codebook, os.path.join(out, "linguistic_tokenizer.npy"))
    components = {"vq02": vq02_component(out, cfg, model, fe, "am.mvn", "linguistic_tokenizer.npy", n_encoder, log)}
    if s3 is not None:
        shutil.copyfile(s3, os.path.join(out, "vq06.onnx"))
        components["vq06"] = vq06_component(out, "vq06.onnx", s3_io, stand_in=False)
    pack_manifest.merge(out, name, description, components, rename=False)
    return components


# ---- --tiny-random -------------------------------------------------------------------------------------------------

def _write_f32(path: str, arr: np.ndarray) -> None:
    with open(path, "wb") as f:
        f.write(np.ascontiguousarray(arr, dtype="<f4").tobytes())


# Chunks of the vq02 reference: the plan of 4 strides and 1,200 samples, so the last call has fewer frames.
REFERENCE_SAMPLES = 4 * 3840 + 1200


@torch.no_grad()
def write_references(out: str, model: ParaformerEncoder, codebook: np.ndarray, s3: s3_standin.S3StandIn,
                     seed: int) -> None:
    ref = os.path.join(out, "reference")
    os.makedirs(ref, exist_ok=True)
    g = torch.Generator().manual_seed(seed)
    plan = frontend.chunk_plan(REFERENCE_SAMPLES)
    feats = torch.randn(sum(plan), model.cfg.input_size, generator=g)
    enc = torch.cat(model.run_chunks(list(torch.split(feats, plan))))
    d = torch.cdist(enc, torch.from_numpy(codebook))
    two = torch.topk(d, 2, dim=1, largest=False).values
    _write_f32(os.path.join(ref, "vq02-feats.f32"), feats.numpy())
    _write_f32(os.path.join(ref, "vq02-enc.f32"), enc.numpy())
    with open(os.path.join(ref, "vq02-reference.json"), "w", encoding="utf-8") as f:
        json.dump({"description": "torch reference of the tiny vq02 encoder: random LFR+CMVN frames fed chunk by "
                   "chunk, the encoder rows, and their nearest centroids (torch.cdist + argmin)",
                   "chunkFrames": plan, "feats": {"file": "vq02-feats.f32", "shape": list(feats.shape)},
                   "enc": {"file": "vq02-enc.f32", "shape": list(enc.shape)},
                   "codes": d.argmin(1).tolist(), "minMargin": float((two[:, 1] - two[:, 0]).min())}, f, indent=1)
        f.write("\n")
    frames = 203  # not a multiple of 4: the last code sees a partial window
    mel = torch.randn(1, s3_standin.MEL_BINS, frames, generator=g)
    length = torch.tensor([frames], dtype=torch.int32)
    logits = s3.logits(mel, length)[0]
    top = torch.topk(logits, 2, dim=1).values
    _write_f32(os.path.join(ref, "vq06-mel.f32"), mel[0].numpy())
    with open(os.path.join(ref, "vq06-reference.json"), "w", encoding="utf-8") as f:
        json.dump({"description": "torch reference of the tiny S3 stand-in: random log-mel (128 × frames) and its codes",
                   "mel": {"file": "vq06-mel.f32", "shape": [s3_standin.MEL_BINS, frames]},
                   "codes": logits.argmax(1).tolist(), "minMargin": float((top[:, 0] - top[:, 1]).min())}, f, indent=1)
        f.write("\n")


def random_vq02(out: str, cfg: EncoderConfig, seed: int, log) -> Tuple[dict, ParaformerEncoder, np.ndarray]:
    """A random encoder of `cfg` with a random am.mvn and codebook, exported into `out`: the vq02 component."""
    model = ParaformerEncoder(cfg)
    init_random(model, seed)
    model.eval()
    frontend.write_am_mvn(os.path.join(out, "am.mvn"), *frontend.random_cmvn(cfg.input_size, seed + 1))
    g = torch.Generator().manual_seed(seed + 2)
    codebook = torch.randn(CODEBOOK_SIZE, cfg.output_size, generator=g).numpy().astype(np.float32)
    np.save(os.path.join(out, "linguistic_tokenizer.npy"), codebook)
    fe = frontend_settings({"fs": 16000, "window": "hamming", "n_mels": 80, "frame_length": 25, "frame_shift": 10,
                            "lfr_m": 7, "lfr_n": 6})
    return vq02_component(out, cfg, model, fe, "am.mvn", "linguistic_tokenizer.npy", len(model.state_dict()), log), \
        model, codebook


def run_tiny(out: str, seed: int, log) -> None:
    os.makedirs(out, exist_ok=True)
    vq02, model, codebook = random_vq02(out, tiny_config(), seed, log)
    components = {"vq02": vq02}
    s3 = s3_standin.build(seed + 3)
    s3_standin.export(s3, os.path.join(out, "vq06.onnx"))
    io = read_onnx_io(os.path.join(out, "vq06.onnx"))
    check_s3_io(io, "the S3 stand-in")
    components["vq06"] = vq06_component(out, "vq06.onnx", io, stand_in=True)
    write_references(out, model, codebook, s3, seed + 4)
    pack_manifest.merge(out, "tiny-random", f"Tiny random-weight pack (seed {seed}) for tests; not a usable model.",
                        components, rename=False)
    log("  reference: vq02 + vq06 torch references")
    golden = os.path.join(out, "reference", "upstream-vq02")
    if os.path.isdir(UPSTREAM_GOLDENS):
        run_from(UPSTREAM_GOLDENS, golden, skip_vq06=True, log=log, name="upstream-vq02-goldens",
                 description="The encoder of the upstream vq02 goldens (test/fixtures/editx/upstream/tokenizer)")
        log(f"  {os.path.relpath(golden, out)}: the upstream goldens' encoder")


DEFAULT_BENCH_OUT = os.path.join(os.path.dirname(DEFAULT_TINY_PACK), "vq02-bench-pack")


def run_full_size_bench(out: str, seed: int, log) -> None:
    """A random vq02 encoder of the published size (EDITX-SPEC.md §4: 50 blocks, d 512) for bench/tokenizer."""
    os.makedirs(out, exist_ok=True)
    vq02, _, _ = random_vq02(out, EncoderConfig(), seed, log)
    pack_manifest.merge(out, "vq02-bench", "Random vq02 encoder of the published size, for bench/tokenizer only.",
                        {"vq02": vq02})


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m retake_export tokenizer", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--tiny-random", action="store_true", help="tiny random vq02 + S3 stand-in + references")
    src.add_argument("--from", dest="from_dir", help="the published Step-Audio-Tokenizer folder")
    src.add_argument("--full-size-bench", action="store_true",
                     help="random vq02 encoder of the published size (about 630 MB), for bench/tokenizer (default "
                          f"--out {os.path.relpath(DEFAULT_BENCH_OUT, REPO)})")
    ap.add_argument("--out", help=f"pack folder (default for --tiny-random: {os.path.relpath(DEFAULT_TINY_PACK, REPO)})")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--skip-vq06", action="store_true", help="with --from: export vq02 only")
    a = ap.parse_args(argv)
    log = lambda s: print(s, flush=True)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    try:
        if a.tiny_random:
            run_tiny(os.path.abspath(a.out or DEFAULT_TINY_PACK), a.seed, log)
        elif a.full_size_bench:
            run_full_size_bench(os.path.abspath(a.out or DEFAULT_BENCH_OUT), a.seed, log)
        else:
            if not a.out:
                ap.error("--from needs --out PACK_DIR")
            run_from(a.from_dir, os.path.abspath(a.out), a.skip_vq06, log)
    except ExportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

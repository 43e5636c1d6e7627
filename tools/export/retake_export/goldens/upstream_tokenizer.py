"""Goldens for the vq02 tokenizer, computed by the upstream code itself.

  PYTHONPATH=tools/export /usr/bin/python3 -m retake_export.goldens.upstream_tokenizer \
      --upstream DIR --out test/fixtures/editx/upstream/tokenizer

DIR is an unpacked copy of the public Step-Audio-EditX repository (`git archive HEAD | tar -x -C DIR`): nothing of it
is copied into the project; its modules are imported from DIR at run time. The generator builds upstream's
`SANMEncoderChunkOpt` in a small configuration (same structure as the published 50-block model: the first block reads
the 560-dim LFR input, FSMN kernel 11, SANM attention) with seeded random weights, its streaming front end
`WavFrontendOnline` with a seeded random `am.mvn`, and runs upstream's own `StepAudioTokenizer.get_vq02_code` →
`AutoModel.infer_encoder` → `ParaformerStreaming.infer_encoder` chain on short corpus excerpts with the reference's
arguments (chunk_size [0, 4, 5], encoder look-back 4, is_final), then quantises with upstream's `dump_label`
(torch.cdist + argmin) against a seeded random codebook.

Shims, all inside this process (EDITX-SPEC.md §8): a `funasr_detach` package stub whose `__path__` points at DIR (the
real `__init__` imports every submodule), a `funasr_detach.register` whose `tables.register` returns the class
unchanged, empty stand-ins for the packages Debian lacks that the imported modules name but the vq02 path never calls
(librosa, omegaconf, whisper, onnxruntime, transformers via model_loader, the repository's utils), and a CPU shim:
upstream hard-codes CUDA (`.cuda()`, `device=0`), which this machine does not have, so those map to the CPU while the
chain runs. The front end runs with dither 0 (the published config leaves Kaldi's dither 1.0 on, which makes the
reference itself non-deterministic; EDITX-SPEC.md §4).

Writes (about 2 MB), laid out like the published Step-Audio-Tokenizer folder so that the exporter's `tokenizer --from`
reads it as it reads the real one:
  model.safetensors     the tiny encoder's state dict under upstream's names (`encoder.encoders0.0.…`, as in the
                        published checkpoint)
  config.yaml           FunASR's model config for it (encoder, encoder_conf, frontend, frontend_conf)
  am.mvn                the CMVN file in the published Kaldi text format (read by upstream's own load_cmvn)
  linguistic_tokenizer.npy  (1024, d) float32, the seeded random codebook
  goldens.json          seed, settings, and per excerpt: source, sample count, LFR frames per encoder call, the codes,
                        the smallest gap between the nearest and second-nearest centroid distance
  <name>.audio16k.npy   the 16 kHz samples handed to get_vq02_code (float32)
  <name>.feats.npy      what upstream's streaming front end fed the encoder, chunk after chunk (frames × 560)
  <name>.offline-feats.npy  upstream's offline WavFrontend (LFR + CMVN) over the whole excerpt, for comparison
  <name>.enc.npy        upstream's encoder output rows, chunk after chunk (frames × d), = `enc_out`
  plans.json            for many lengths n: the LFR frames each encoder call received when upstream tokenized the
                        first n samples of a corpus file (how the streaming loop splits and ends), and the chunk
                        lengths upstream's get_vq06_code hands to the S3 tokenizer (30 s splitting, short tails
                        dropped; run with stand-ins for Whisper's log-mel and the ONNX session, which only count)
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import os
import sys
import threading
import types
from typing import Dict, List

import numpy as np
import torch
import torchaudio

from ..common.paths import REPO
from ..common.safetensors_io import save_file
from ..tokenizer.frontend import random_cmvn, write_am_mvn
from ..tokenizer.paraformer import init_random, tiny_config

# The reference's call (tokenizer.py, StepAudioTokenizer.__init__): 240 ms chunks (4 LFR frames of 60 ms, 3,840
# samples), 5 LFR frames of right context carried as the next chunk's overlap, attention look-back of 4 chunks.
CHUNK_SIZE = [0, 4, 5]
ENCODER_LOOK_BACK = 4
DECODER_LOOK_BACK = 1

# The tiny configuration (the tiny pack's too): the published model's structure at a size that keeps the fixture small.
_T = tiny_config()
TINY = {
    "input_size": _T.input_size,  # 80 mel bins × LFR 7: the first block's attention reads it
    "output_size": _T.output_size,
    "attention_heads": _T.attention_heads,
    "linear_units": _T.linear_units,
    "num_blocks": _T.num_blocks,
    "kernel_size": _T.kernel_size,
    "sanm_shfit": _T.sanm_shift,
}
CODEBOOK_SIZE = 1024

# Corpus excerpts (file, start s, samples at 16 kHz). The lengths exercise each way the reference's chunk loop ends:
# a partial last chunk, a length that is an exact multiple of 3,840 (the last, empty chunk breaks the loop before
# the front end's pending LFR frames are flushed), and a last chunk shorter than one 25 ms frame.
EXCERPTS = [
    ("a", "en_happy_prompt.wav", 1.0, 31_440),
    ("b", "speed_prompt.wav", 0.6, 7 * 3840),
    ("c", "zero_shot_en_prompt.wav", 2.2, 5 * 3840 + 240),
]


def _stub(name: str, **attrs) -> types.ModuleType:
    m = types.ModuleType(name)
    for k, v in attrs.items():
        setattr(m, k, v)
    sys.modules[name] = m
    return m


def _absent(what: str):
    def f(*_a, **_k):
        raise RuntimeError(f"{what} is a stand-in of the golden generator; the vq02 path must not call it")
    return f


def import_upstream(upstream: str):
    """Imports upstream's tokenizer.py and the funasr_detach modules the vq02 path runs, from `upstream`."""
    fd = os.path.join(upstream, "funasr_detach")
    if not os.path.isfile(os.path.join(fd, "models", "scama", "encoder.py")) or not os.path.isfile(
            os.path.join(upstream, "tokenizer.py")):
        raise SystemExit(f"{upstream} does not look like a Step-Audio-EditX checkout (tokenizer.py, funasr_detach/)")

    class _Tables:
        def register(self, *_a, **_k):
            return lambda cls: cls

    _stub("funasr_detach").__path__ = [fd]
    _stub("funasr_detach.register", tables=_Tables())
    # Imported at the top of modules on the path, used only elsewhere (EEND features, hub downloads, Whisper, the S3
    # tokenizer session, the LLM loader, preprocessing).
    _stub("librosa")
    _stub("omegaconf", OmegaConf=types.SimpleNamespace(load=_absent("OmegaConf.load")))
    _stub("whisper", log_mel_spectrogram=_absent("whisper.log_mel_spectrogram"))
    _stub("onnxruntime")

    class _ModelSource:
        AUTO = "auto"

    _stub("model_loader", model_loader=None, ModelSource=_ModelSource)
    _stub("utils", resample_audio=_absent("utils.resample_audio"), energy_norm_fn=_absent("utils.energy_norm_fn"),
          trim_silence=_absent("utils.trim_silence"))
    sys.path.insert(0, upstream)
    try:
        auto_model = importlib.import_module("funasr_detach.auto.auto_model")
        sys.modules["funasr_detach"].AutoModel = auto_model.AutoModel
        mods = types.SimpleNamespace(
            auto_model=auto_model,
            encoder=importlib.import_module("funasr_detach.models.scama.encoder"),
            frontend=importlib.import_module("funasr_detach.frontends.wav_frontend"),
            streaming=importlib.import_module("funasr_detach.models.paraformer_streaming.model"),
            tokenizer=importlib.import_module("tokenizer"),
        )
    finally:
        sys.path.remove(upstream)
    return mods


@contextlib.contextmanager
def cpu_for_cuda():
    """Upstream moves tensors and the model to CUDA unconditionally (`.cuda()`, `.to(device=0)`); map those to the CPU."""
    orig_t_cuda, orig_m_cuda, orig_to = torch.Tensor.cuda, torch.nn.Module.cuda, torch.Tensor.to

    def to(self, *args, **kwargs):
        dev = kwargs.get("device")
        if isinstance(dev, int) or (isinstance(dev, str) and dev.startswith("cuda")):
            kwargs["device"] = "cpu"
        return orig_to(self, *args, **kwargs)

    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.nn.Module.cuda = lambda self, *a, **k: self
    torch.Tensor.to = to
    try:
        yield
    finally:
        torch.Tensor.cuda, torch.nn.Module.cuda, torch.Tensor.to = orig_t_cuda, orig_m_cuda, orig_to


def write_config_yaml(path: str, frontend_conf: dict) -> None:
    """The FunASR config.yaml keys the exporter reads, for the tiny model (the published file has more: decoder,
    predictor, training settings)."""
    import yaml

    conf = {
        "model": "ParaformerStreaming",
        "encoder": "SANMEncoderChunkOpt",
        "encoder_conf": {"output_size": TINY["output_size"], "attention_heads": TINY["attention_heads"],
                         "linear_units": TINY["linear_units"], "num_blocks": TINY["num_blocks"],
                         "input_layer": "pe_online", "pos_enc_class": "SinusoidalPositionEncoder",
                         "normalize_before": True, "kernel_size": TINY["kernel_size"], "sanm_shfit": TINY["sanm_shfit"],
                         "selfattention_layer_type": "sanm"},
        "frontend": "WavFrontendOnline",
        "frontend_conf": {k: v for k, v in frontend_conf.items() if k != "dither"},
    }
    with open(path, "w", encoding="utf-8") as f:
        f.write("# Written by retake_export.goldens.upstream_tokenizer: the tiny encoder of the vq02 goldens.\n")
        yaml.safe_dump(conf, f, sort_keys=False)


def load_excerpt(corpus: str, fname: str, start_s: float, n: int) -> torch.Tensor:
    wav, sr = torchaudio.load(os.path.join(corpus, fname))
    wav = wav.mean(0, keepdim=True)
    # The reference's resampler (torchaudio's default Hann-windowed sinc) and peak normalisation (EDITX-SPEC.md §4).
    wav = torchaudio.functional.resample(wav, sr, 16000)
    wav = wav / max(float(wav.abs().max()), 0.01) * 0.999
    s = int(round(start_s * 16000))
    out = wav[:, s:s + n]
    if out.shape[1] != n:
        raise SystemExit(f"{fname} is too short for the excerpt {start_s} s + {n} samples")
    return out.contiguous()


# Lengths for the chunk-plan table: every 80 samples up to four strides and a bit, and the edges of one frame, of the
# 480-sample rule and of a stride.
PLAN_LENGTHS = sorted(set(list(range(80, 4 * 3840 + 1200 + 1, 80)) + [1, 399, 400, 401, 479, 481, 3839, 3841, 7681]))
# Lengths for get_vq06_code's splitting: around one and two 30 s chunks and the 480-sample rule.
VQ06_LENGTHS = [1, 479, 480, 16000, 480000 - 1, 480000, 480000 + 479, 480000 + 480, 2 * 480000 + 1000]


def vq02_plans(tok, recorded, audio: torch.Tensor) -> Dict[str, List[int]]:
    out = {}
    for n in PLAN_LENGTHS:
        recorded.clear()
        with torch.no_grad(), cpu_for_cuda():
            codes = tok.get_vq02_code(audio[:, :n].contiguous())
        frames = [int(r["feats"].shape[0]) for r in recorded]
        if len(codes) != sum(frames):
            raise SystemExit(f"plan {n}: {len(codes)} codes for {sum(frames)} frames")
        out[str(n)] = frames
    return out


def vq06_plans(up) -> Dict[str, List[int]]:
    seen: List[int] = []

    def log_mel(chunk, n_mels=128):
        seen.append(int(chunk.shape[0]))
        return torch.zeros(n_mels, int(chunk.shape[0]) // 160)

    class Session:
        def get_inputs(self):
            return [types.SimpleNamespace(name="feats"), types.SimpleNamespace(name="feats_length")]

        def run(self, _names, feeds):
            frames = int(feeds["feats_length"][0])
            return [np.zeros((1, (frames + 3) // 4), dtype=np.int32)]  # 25 tokens per second of 100 mel frames

    up.tokenizer.whisper.log_mel_spectrogram = log_mel
    tok = up.tokenizer.StepAudioTokenizer.__new__(up.tokenizer.StepAudioTokenizer)
    tok.ort_session = Session()
    tok.vq06_lock = threading.Lock()
    out = {}
    for n in VQ06_LENGTHS:
        seen.clear()
        tok.get_vq06_code(torch.zeros(1, n))
        out[str(n)] = list(seen)
    return out


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m retake_export.goldens.upstream_tokenizer", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", required=True, help="unpacked Step-Audio-EditX repository")
    ap.add_argument("--out", required=True)
    ap.add_argument("--corpus", default=os.path.join(REPO, "..", "shared", "corpus"))
    ap.add_argument("--seed", type=int, default=20261)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)
    up = import_upstream(os.path.abspath(a.upstream))

    # The encoder exactly as upstream's config builds it (template.yaml of paraformer_streaming) at the tiny size.
    enc = up.encoder.SANMEncoderChunkOpt(
        input_size=TINY["input_size"], output_size=TINY["output_size"], attention_heads=TINY["attention_heads"],
        linear_units=TINY["linear_units"], num_blocks=TINY["num_blocks"], dropout_rate=0.1,
        positional_dropout_rate=0.1, attention_dropout_rate=0.1, input_layer="pe_online",
        normalize_before=True, kernel_size=TINY["kernel_size"], sanm_shfit=TINY["sanm_shfit"],
        selfattention_layer_type="sanm", chunk_size=[12, 15], stride=[8, 10], pad_left=[0, 0],
        encoder_att_look_back_factor=[4, 4], decoder_att_look_back_factor=[1, 1])
    init_random(enc, a.seed)
    enc.eval()

    mvn_path = os.path.join(a.out, "am.mvn")
    write_am_mvn(mvn_path, *random_cmvn(TINY["input_size"], a.seed + 1))
    frontend_conf = {"fs": 16000, "window": "hamming", "n_mels": 80, "frame_length": 25, "frame_shift": 10,
                     "lfr_m": 7, "lfr_n": 6, "dither": 0.0}
    frontend = up.frontend.WavFrontendOnline(cmvn_file=mvn_path, **frontend_conf)
    offline_frontend = up.frontend.WavFrontend(cmvn_file=mvn_path, **frontend_conf)

    g = torch.Generator().manual_seed(a.seed + 2)
    codebook = torch.randn(CODEBOOK_SIZE, TINY["output_size"], generator=g)
    np.save(os.path.join(a.out, "linguistic_tokenizer.npy"), codebook.numpy().astype(np.float32))

    # A ParaformerStreaming without the decoder/predictor (never used by infer_encoder): upstream's own methods run
    # on it unchanged.
    model = up.streaming.ParaformerStreaming.__new__(up.streaming.ParaformerStreaming)
    torch.nn.Module.__init__(model)
    model.encoder = enc
    model.specaug = None
    model.normalize = None
    model.eval()
    recorded: List[Dict[str, torch.Tensor]] = []
    orig_encode_chunk = model.encode_chunk

    def recording_encode_chunk(speech, speech_lengths, cache=None, **kw):
        feats = speech.clone()  # the encoder scales its input in place
        out, out_lens = orig_encode_chunk(speech, speech_lengths, cache=cache, **kw)
        recorded.append({"feats": feats[0], "enc": out[0, -int(speech_lengths[0]):].clone()})
        return out, out_lens

    model.encode_chunk = recording_encode_chunk

    auto = up.auto_model.AutoModel.__new__(up.auto_model.AutoModel)
    auto.model = model
    auto.kwargs = {"frontend": frontend, "batch_size": 1, "device": "cpu", "disable_pbar": True,
                   "encoder_conf": {"output_size": TINY["output_size"]}, "frontend_conf": dict(frontend_conf)}

    tok = up.tokenizer.StepAudioTokenizer.__new__(up.tokenizer.StepAudioTokenizer)
    tok.funasr_model = auto
    tok.kms = codebook
    tok.chunk_size = CHUNK_SIZE
    tok.encoder_chunk_look_back = ENCODER_LOOK_BACK
    tok.decoder_chunk_look_back = DECODER_LOOK_BACK
    tok.vq02_sessions = {}
    tok.vq02_lock = threading.Lock()

    excerpts = []
    for name, fname, start, n in EXCERPTS:
        audio = load_excerpt(a.corpus, fname, start, n)
        recorded.clear()
        with torch.no_grad(), cpu_for_cuda():
            codes = tok.get_vq02_code(audio)
            off, _ = offline_frontend(audio.clone(), torch.tensor([audio.shape[1]]))
        feats = torch.cat([r["feats"] for r in recorded], 0)
        enc_out = torch.cat([r["enc"] for r in recorded], 0)
        if len(codes) != enc_out.shape[0]:
            raise SystemExit(f"{name}: {len(codes)} codes for {enc_out.shape[0]} encoder rows")
        d = torch.cdist(enc_out, codebook)
        two = torch.topk(d, 2, dim=1, largest=False).values
        np.save(os.path.join(a.out, f"{name}.audio16k.npy"), audio[0].numpy().astype(np.float32))
        np.save(os.path.join(a.out, f"{name}.feats.npy"), feats.numpy().astype(np.float32))
        np.save(os.path.join(a.out, f"{name}.offline-feats.npy"), off[0].numpy().astype(np.float32))
        np.save(os.path.join(a.out, f"{name}.enc.npy"), enc_out.numpy().astype(np.float32))
        excerpts.append({
            "name": name, "source": fname, "startSeconds": start, "samples": n,
            "chunkFrames": [int(r["feats"].shape[0]) for r in recorded],
            "codes": [int(c) for c in codes],
            "minMargin": float((two[:, 1] - two[:, 0]).min()),
        })
        print(f"{name}: {n} samples -> chunks {excerpts[-1]['chunkFrames']}, {len(codes)} codes, "
              f"offline frames {off.shape[1]}, min margin {excerpts[-1]['minMargin']:.4g}")

    plans = {"vq02": vq02_plans(tok, recorded, load_excerpt(a.corpus, "en_happy_prompt.wav", 0.0, 4 * 3840 + 1200)),
             "vq06": vq06_plans(up)}
    with open(os.path.join(a.out, "plans.json"), "w", encoding="utf-8") as f:
        json.dump(plans, f, separators=(",", ":"))
        f.write("\n")

    state = {f"encoder.{k}": v.contiguous() for k, v in enc.state_dict().items()}
    save_file(os.path.join(a.out, "model.safetensors"), state)
    write_config_yaml(os.path.join(a.out, "config.yaml"), frontend_conf)
    with open(os.path.join(a.out, "goldens.json"), "w", encoding="utf-8") as f:
        json.dump({
            "description": "vq02 goldens from upstream Step-Audio-EditX code (retake_export.goldens.upstream_tokenizer)",
            "seed": a.seed,
            "encoder": TINY,
            "frontend": frontend_conf,
            "chunkSize": CHUNK_SIZE,
            "encoderLookBack": ENCODER_LOOK_BACK,
            "codebook": {"file": "linguistic_tokenizer.npy", "size": CODEBOOK_SIZE},
            "tensors": len(state),
            "excerpts": excerpts,
        }, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

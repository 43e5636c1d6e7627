"""Golden outputs of the upstream EditX decoder (flow encoder, DiT flow matching with CFG, HiFT vocoder), produced by
the upstream code itself in a small configuration with seeded random weights:

    PYTHONPATH=tools/export /usr/bin/python3 -m retake_export.goldens.upstream_decoder \
        --upstream DIR --out test/fixtures/editx/upstream/decoder

DIR is a checkout, a `git archive`, or a bare clone (its HEAD is extracted to a temporary folder) of
github.com/stepfun-ai/Step-Audio-EditX; its `stepvocoder/cosyvoice2` package is imported at run time from there and
never copied. What Debian's torch 1.13 lacks is shimmed here, and only here:
`einops` (the two patterns the DiT uses), `torch.nn.functional.scaled_dot_product_attention` (its documented
semantics), `torch._dynamo` / `torch.compile` (configuration and decorators only), and import-only stand-ins for
`onnxruntime`, `hyperpyyaml`, `whisper` and `librosa`, which the decode path imports but never calls.

Written into --out (a few MB, committed):
- `cosyvoice.yaml`: the small configuration, in the published file's HyperPyYAML layout (our exporter reads it the way
  it reads the published one);
- `flow.safetensors`, `hift.safetensors`: the upstream modules' state dicts under their own tensor names (HiFT's
  weight-normed convolutions as `weight_g`/`weight_v`, as torch 1.13's `weight_norm` names them);
- `golden.safetensors`: inputs, the draws of every random step, intermediate and final outputs (names in golden.json);
- `golden.json`: what each tensor is, the token lists, the upstream commit.

The run goes through the reference's own non-streaming entry (`CosyVoice_stream_impl_.token2wav_nonstream`: token
reshape, prompt concatenation, nearest resize of the prompt mel, `flow.inference`, `hift.inference`); the prompt mel
and speaker embedding are rounded to bf16 first, as `tts.py` does before calling it. Intermediates are captured with
forward hooks; the random draws (the CFM noise buffer, NSF initial phases and noise) are recorded so a re-run elsewhere
can be fed the same numbers.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile
import types
from typing import Any, Dict, List, Tuple

import numpy as np
import torch

from ..common import hyperyaml
from ..common.hyperyaml import Tagged
from ..common.safetensors_io import save_file

SEED = 20261213
P = "stepvocoder.cosyvoice2"

# The small configuration: the published architecture with narrow layers. Vocabulary 5121, 80 mel bins, 192-d speaker
# input, the 4 x 80 = 320 estimator input, 24 kHz with 480 samples per mel frame (8 x 5 x 3 x hop 4) and the
# 9-harmonic source are kept as published, since the TypeScript around the graphs depends on them.
SMALL: Dict[str, Any] = {
    "sample_rate": 24000,
    "flow": Tagged(f"new:{P}.flow.flow.CausalMaskedDiffWithXvec", {
        "input_size": 32,
        "output_size": 80,
        "spk_embed_dim": 192,
        "output_type": "mel",
        "vocab_size": 5121,
        "input_embedding": Tagged(f"new:{P}.embedding.dual_codebook.DualCodebookEmbedding", {
            "vocab_size": 5121, "input_size": 32}),
        "encoder": Tagged(f"new:{P}.transformer.upsample_encoder_v2.UpsampleConformerEncoderV2", {
            "input_size": 32, "output_size": 32, "input_layer": "linear", "pre_lookahead_len": 3,
            "num_blocks": 2, "num_up_blocks": 2, "up_stride": 2, "up_scale_factor": 2, "attention_heads": 2,
            "pos_enc_layer_type": "rel_pos_espnet", "selfattention_layer_type": "rel_selfattn", "key_bias": True,
            "linear_units": 64, "dropout_rate": 0.1, "positional_dropout_rate": 0.1, "attention_dropout_rate": 0.0,
            "normalize_before": True, "activation_type": "swish"}),
        "decoder": Tagged(f"new:{P}.flow.flow_matching.CausalConditionalCFM", {
            "inference_cfg_rate": 0.7,
            "estimator": Tagged(f"new:{P}.flow.decoder_dit.DiT", {
                "in_channels": 320, "out_channels": 80, "mlp_ratio": 4.0, "depth": 2, "num_heads": 2,
                "head_dim": 32, "hidden_size": 64}),
        }),
    }),
    "hift": Tagged(f"new:{P}.hifigan.generator.HiFTGenerator", {
        "in_channels": 80, "base_channels": 16, "nb_harmonics": 8, "sampling_rate": 24000, "nsf_alpha": 0.1,
        "nsf_sigma": 0.003, "nsf_voiced_threshold": 10, "upsample_rates": [8, 5, 3],
        "upsample_kernel_sizes": [16, 11, 7], "istft_params": {"n_fft": 16, "hop_len": 4},
        "resblock_kernel_sizes": [3, 7, 11], "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
        "source_resblock_kernel_sizes": [7, 7, 11], "source_resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
        "lrelu_slope": 0.1, "audio_limit": 0.99,
        "f0_predictor": Tagged(f"new:{P}.hifigan.f0_predictor.ConvRNNF0Predictor", {
            "num_class": 1, "in_channels": 80, "cond_channels": 16}),
    }),
    "mel_conf": {"n_fft": 1920, "num_mels": 80, "sampling_rate": 24000, "hop_size": 480, "win_size": 1920,
                 "fmin": 0, "fmax": 8000, "center": False},
}

# Mixed ids as the LM emits them (vq02 0..1023, 1024 + vq06). 13 prompt ids (2 groups + 3: padded by 2) and 21
# generated ids (4 groups + 1: padded by 4), so both padding tails of the reshape are exercised.
PROMPT_IDS = [5, 1000, 1024 + 7, 1024 + 4095, 1024 + 300, 17, 18, 1024 + 1, 1024 + 2, 1024 + 3, 512, 513, 1024 + 99]
GEN_IDS = [1, 2, 1024 + 10, 1024 + 11, 1024 + 12, 1023, 0, 1024 + 4000, 1024 + 0, 1024 + 5, 40, 41, 1024 + 40,
           1024 + 41, 1024 + 42, 700, 701, 1024 + 2000, 1024 + 2001, 1024 + 2002, 333]
# The prompt mel deliberately has 2 frames more than 2 x prompt token frames: the reference resizes it (nearest).
PROMPT_MEL_EXTRA = 2
# HiFT output scale: log-magnitude bias shifted down by 6 leaves ~13 % of the samples at the ±0.99 clamp and ~0.2 %
# of the bins above the magnitude clip (100); the F0 head is scaled to N(0, 60) before abs(), so 5 of the 30 frames
# fall under the 10 Hz voiced threshold.
CONV_POST_SHIFT = 6.0
F0_STD = 60.0
F0_MEAN = 0.0


# ---------------------------------------------------------------------------------------------------------- shims

def _einops_pack(tensors: List[torch.Tensor], pattern: str):
    if pattern.replace(" ", "") != "b*t":
        raise NotImplementedError(f"einops shim: pack pattern {pattern!r}")
    flat = [t.reshape(t.shape[0], -1, t.shape[-1]) for t in tensors]
    return torch.cat(flat, dim=1), [t.shape[1:-1] for t in tensors]


def _einops_repeat(tensor: torch.Tensor, pattern: str, **sizes):
    if pattern.replace(" ", "") != "bc->bct":
        raise NotImplementedError(f"einops shim: repeat pattern {pattern!r}")
    return tensor.unsqueeze(-1).expand(*tensor.shape, sizes["t"])


def _einops_rearrange(*_a, **_k):
    raise NotImplementedError("einops shim: rearrange is not used on the decode path")


def _sdpa(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """torch 2.x scaled_dot_product_attention, as documented: softmax(q k^T * scale + mask) v, scale 1/sqrt(E);
    a bool mask keeps positions where it is True."""
    if dropout_p != 0.0 or is_causal:
        raise NotImplementedError("sdpa shim: dropout and is_causal are not used on the decode path")
    s = torch.matmul(q, k.transpose(-2, -1)) * (scale if scale is not None else 1.0 / math.sqrt(q.size(-1)))
    if attn_mask is not None:
        s = s.masked_fill(~attn_mask, float("-inf")) if attn_mask.dtype == torch.bool else s + attn_mask
    return torch.matmul(torch.softmax(s, dim=-1), v)


def _unused(name: str):
    def f(*_a, **_k):
        raise RuntimeError(f"{name} is a stand-in of the golden generator and must not be called")
    return f


def install_shims() -> None:
    einops = types.ModuleType("einops")
    einops.pack, einops.repeat, einops.rearrange = _einops_pack, _einops_repeat, _einops_rearrange
    sys.modules["einops"] = einops
    if not hasattr(torch.nn.functional, "scaled_dot_product_attention"):
        torch.nn.functional.scaled_dot_product_attention = _sdpa
    if not hasattr(torch, "compile"):
        torch.compile = lambda *a, **k: (lambda f: f)
    try:
        importlib.import_module("torch._dynamo")
    except ImportError:
        dyn = types.ModuleType("torch._dynamo")
        dyn.config = types.SimpleNamespace()
        sys.modules["torch._dynamo"] = dyn
        torch._dynamo = dyn
    for name, attrs in {
        "onnxruntime": ["InferenceSession", "SessionOptions"],
        "hyperpyyaml": ["load_hyperpyyaml"],
        "whisper": ["log_mel_spectrogram"],
        "librosa": [],
        "librosa.filters": ["mel"],
    }.items():
        if name in sys.modules:
            continue
        try:
            __import__(name)
            continue
        except ImportError:
            pass
        m = types.ModuleType(name)
        for a in attrs:
            setattr(m, a, _unused(f"{name}.{a}"))
        sys.modules[name] = m
    sys.modules["librosa"].filters = sys.modules["librosa.filters"]


# ------------------------------------------------------------------------------------------------ construction

def _build(node: Any) -> Any:
    """Instantiates a Tagged node with the upstream class it names (children first)."""
    if isinstance(node, Tagged):
        mod_name, cls_name = node.tag.split(":", 1)[1].rsplit(".", 1)
        cls = getattr(__import__(mod_name, fromlist=[cls_name]), cls_name)
        return cls(**{k: _build(v) for k, v in node.items()})
    if isinstance(node, dict):
        return {k: _build(v) for k, v in node.items()}
    return node


def _fan_in(p: torch.Tensor) -> int:
    return int(np.prod(p.shape[1:])) if p.dim() > 1 else p.shape[0]


@torch.no_grad()
def randomize(module: torch.nn.Module, gen: torch.Generator, kind: str) -> None:
    """Seeded random values for every parameter, named by their role. The upstream initializers zero the DiT's adaLN
    and output layers (the estimator would return zeros) and HiFT's defaults make near-silent audio, neither of which
    tests anything, so every tensor is redrawn: matrices ~ N(0, 1/fan_in), biases small, norms near 1."""
    for name, p in module.named_parameters():
        leaf = name.rsplit(".", 1)[-1]
        if leaf in ("pos_bias_u", "pos_bias_v"):
            p.copy_(torch.randn(p.shape, generator=gen) * 0.3)
        elif leaf == "alpha":  # Snake
            p.copy_(0.5 + torch.rand(p.shape, generator=gen))
        elif leaf == "weight_g":
            p.copy_(0.6 + 0.8 * torch.rand(p.shape, generator=gen))
        elif leaf == "bias":
            p.copy_(torch.randn(p.shape, generator=gen) * 0.05)
        elif p.dim() == 1:  # LayerNorm scale
            p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=gen))
        elif "embedding" in name:
            p.copy_(torch.randn(p.shape, generator=gen))
        else:
            p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(_fan_in(p)))
    if kind == "flow":
        est = module.decoder.estimator
        for blk in list(est.blocks) + [est.final_layer]:
            # adaLN: shift/scale/gate of a useful size (the published model's gates are far from zero too)
            blk.adaLN_modulation[-1].weight.mul_(0.5)
    if kind == "hift":
        # conv_post: log-magnitudes mostly below 0 with some above log(100), so the clip at 100 is exercised.
        module.conv_post.bias[: module.istft_params["n_fft"] // 2 + 1] -= CONV_POST_SHIFT


def _tune_f0(hift: torch.nn.Module, mel: torch.Tensor) -> None:
    """Scales the F0 head so the golden mel gives F0 from ~0 to a few hundred Hz: both sides of the voiced threshold
    (10 Hz) are exercised."""
    with torch.no_grad():
        cls = hift.f0_predictor.classifier
        h = hift.f0_predictor.condnet(mel).transpose(1, 2)
        raw = cls(h).squeeze(-1)
        s = F0_STD / float(raw.std())
        cls.weight.mul_(s)
        cls.bias.copy_(cls.bias * s + F0_MEAN - float(raw.mean()) * s)


# -------------------------------------------------------------------------------------------------------- run

class _Recorder:
    def __init__(self) -> None:
        self.t: Dict[str, torch.Tensor] = {}
        self.calls: Dict[str, int] = {}

    def put(self, name: str, x: torch.Tensor) -> None:
        self.t[name] = x.detach().clone().contiguous().float() if x.is_floating_point() else x.detach().clone()

    def hook(self, module: torch.nn.Module, name: str, fn) -> None:
        def h(mod, inputs, output):
            n = self.calls.get(name, 0)
            self.calls[name] = n + 1
            fn(n, inputs, output)
        module.register_forward_hook(h)


def run(upstream: str, commit: str, out: str, log) -> None:
    install_shims()
    sys.path.insert(0, os.path.abspath(upstream))
    from stepvocoder.cosyvoice2.cli.cosyvoice import CosyVoice_stream_impl_  # noqa: E402

    gen = torch.Generator().manual_seed(SEED)
    torch.manual_seed(SEED)  # the CFM draws its noise buffer from the global generator in its constructor
    flow = _build(SMALL["flow"]).eval()
    hift = _build(SMALL["hift"]).eval()
    randomize(flow, gen, "flow")
    randomize(hift, gen, "hift")
    n_mels = SMALL["flow"]["output_size"]

    prompt_frames = 3 * math.ceil(len(PROMPT_IDS) / 5)
    mel_len = 2 * prompt_frames + PROMPT_MEL_EXTRA
    # Log-mel-like prompt (natural log of a magnitude mel: about -11.5 .. 2) and a CAM++-like embedding.
    prompt_mel = (-5.0 + 2.5 * torch.randn(1, mel_len, n_mels, generator=gen)).clamp(-11.5, 2.0)
    speaker = torch.randn(1, 192, generator=gen) * 0.8

    # tts.py rounds both to bf16 before token2wav_nonstream (which casts back to the flow's fp32)
    prompt_mel_bf16 = prompt_mel.to(torch.bfloat16)
    speaker_bf16 = speaker.to(torch.bfloat16)

    impl = CosyVoice_stream_impl_(flow, hift, n_timesteps=10).to("cpu", torch.float32)
    rec = _Recorder()
    rec.hook(flow.input_embedding, "embed", lambda n, i, o: rec.put("flow.tokens", i[0]))
    rec.hook(flow.spk_embed_affine_layer, "spk", lambda n, i, o: rec.put("flow.spks", o))
    rec.hook(flow.encoder_proj, "proj", lambda n, i, o: rec.put("flow.mu", o.transpose(1, 2)))

    # The flow calls its CFM and the CFM its estimator through `.forward(...)` (with keywords), which skips module
    # hooks: wrap those two methods on the instances instead.
    def wrap(module: torch.nn.Module, name: str, fn) -> None:
        orig = module.forward

        def forward(*args, **kwargs):
            output = orig(*args, **kwargs)
            n = rec.calls.get(name, 0)
            rec.calls[name] = n + 1
            fn(n, args, kwargs, output)
            return output
        module.forward = forward

    def on_estimator(n, args, kwargs, output):
        x, mask, mu, t, spks, cond = args
        if n == 0:
            for k, v in dict(x=x, mu=mu, t=t, spks=spks, cond=cond, out=output).items():
                rec.put(f"estimator.step0.{k}", v)
        rec.put(f"estimator.out.{n}", output)

    def on_cfm(n, args, kwargs, output):
        rec.put("flow.mel_full", output)
        rec.put("flow.cond", kwargs["cond"])

    wrap(flow.decoder.estimator, "estimator", on_estimator)
    wrap(flow.decoder, "cfm", on_cfm)
    rec.hook(hift.conv_post, "post", lambda n, i, o: rec.put("hift.conv_post", o))  # the trunk's output
    rec.hook(hift.f0_predictor, "f0", lambda n, i, o: rec.put("hift.f0", o))
    rec.hook(hift.m_source, "source", lambda n, i, o: rec.put("hift.source", o[0].transpose(1, 2)))

    # The HiFT mel is what the flow produces; tune the F0 head on a flow run first (the flow is deterministic).
    with torch.no_grad():
        mel_probe = _flow_only(impl, prompt_mel_bf16, speaker_bf16)
    _tune_f0(hift, mel_probe)
    rec.t.clear()
    rec.calls.clear()

    draws: Dict[str, List[torch.Tensor]] = {"rand": [], "randn_like": []}
    real_rand, real_randn_like = torch.rand, torch.randn_like

    def rand(*a, **k):
        r = real_rand(*a, **k)
        draws["rand"].append(r.clone())
        return r

    def randn_like(*a, **k):
        r = real_randn_like(*a, **k)
        draws["randn_like"].append(r.clone())
        return r

    torch.manual_seed(SEED + 1)
    torch.rand, torch.randn_like = rand, randn_like
    try:
        speech = impl.token2wav_nonstream(
            torch.tensor([GEN_IDS], dtype=torch.long), torch.tensor([PROMPT_IDS], dtype=torch.long),
            prompt_mel_bf16, speaker_bf16)
    finally:
        torch.rand, torch.randn_like = real_rand, real_randn_like
    if len(draws["rand"]) != 1 or len(draws["randn_like"]) != 2:
        raise RuntimeError(f"unexpected random draws in HiFT: {[(k, len(v)) for k, v in draws.items()]}; "
                           "the upstream source module changed")
    gen_frames = 3 * math.ceil(len(GEN_IDS) / 5)
    total = 2 * (prompt_frames + gen_frames)
    rec.put("cfm.noise", flow.decoder.rand_noise[:, :, :total])
    rec.put("flow.mel", rec.t["flow.mel_full"][:, :, 2 * prompt_frames:])
    rec.put("hift.nsf_phase", draws["rand"][0])
    rec.put("hift.nsf_noise", draws["randn_like"][0])
    rec.put("hift.waveform", speech)
    inputs = {
        "input.prompt_mel": prompt_mel, "input.speaker": speaker,
        "input.prompt_mel_bf16": prompt_mel_bf16.float(), "input.speaker_bf16": speaker_bf16.float(),
        "flow.prompt_feat": rec.t["flow.cond"][:, :, : 2 * prompt_frames].transpose(1, 2).contiguous(),
    }
    tensors = {**inputs, **{k: v for k, v in rec.t.items() if k != "flow.cond"}}
    n_est = rec.calls.get("estimator", 0)
    if n_est != 10:
        raise RuntimeError(f"expected 10 estimator calls, saw {n_est}")

    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "cosyvoice.yaml"), "w", encoding="utf-8") as f:
        f.write("# Small configuration of the upstream EditX decoder for golden tests (retake_export.goldens."
                "upstream_decoder).\n")
        f.write(hyperyaml.dump(SMALL))
    save_file(os.path.join(out, "flow.safetensors"), {k: v.float() for k, v in flow.state_dict().items()})
    save_file(os.path.join(out, "hift.safetensors"), {k: v.float() for k, v in hift.state_dict().items()})
    save_file(os.path.join(out, "golden.safetensors"), tensors)
    desc = {
        "description": "Upstream EditX decoder (stepvocoder/cosyvoice2 of Step-Audio-EditX) run in a small "
                       "configuration with seeded random weights; see tools/export/retake_export/goldens/"
                       "upstream_decoder.py.",
        "upstream": {"repository": "github.com/stepfun-ai/Step-Audio-EditX", "commit": commit},
        "torch": torch.__version__,
        "seed": SEED,
        "promptIds": PROMPT_IDS,
        "generatedIds": GEN_IDS,
        "promptTokenFrames": prompt_frames,
        "generatedTokenFrames": gen_frames,
        "nTimesteps": 10,
        "tensors": {k: {"shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", "")}
                    for k, v in sorted(tensors.items())},
        "notes": {
            "input.*": "prompt mel (1, frames, 80) and speaker embedding (1, 192) before bf16 rounding; *_bf16: after",
            "flow.tokens": "(1, T, 2) token pairs after the reshape and prompt concatenation (before the clamp at 0)",
            "flow.prompt_feat": "(1, 2*promptTokenFrames, 80) prompt mel after the nearest resize (bf16 values)",
            "flow.spks": "(1, 80) projected speaker embedding",
            "flow.mu": "(1, 80, 2T) encoder output after encoder_proj",
            "cfm.noise": "(1, 80, 2T) the slice of the CFM noise buffer used (buffer drawn with torch.manual_seed(seed))",
            "estimator.step0.*": "inputs and output of the first estimator call (batch 2: conditional, unconditional)",
            "estimator.out.N": "estimator output of Euler step N",
            "flow.mel_full": "(1, 80, 2T) after 10 Euler steps; flow.mel: its generated part",
            "hift.f0": "(1, frames) F0 predictor output for flow.mel",
            "hift.nsf_phase": "(1, 9) initial phase draw of SineGen2 (torch.rand; the first harmonic is zeroed)",
            "hift.nsf_noise": "(1, samples, 9) the standard-normal draw SineGen2 scales into its additive noise",
            "hift.source": "(1, 1, samples) merged NSF source (tanh(linear(sines)))",
            "hift.conv_post": "(1, n_fft + 2, samples / hop + 1) trunk output before exp / sin and the ISTFT",
            "hift.waveform": "(1, samples) final 24 kHz output, clamped",
        },
    }
    with open(os.path.join(out, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(desc, f, indent=1)
        f.write("\n")
    sizes = sum(os.path.getsize(os.path.join(out, n)) for n in os.listdir(out))
    log(f"upstream decoder goldens: {len(tensors)} tensors, {sizes / 1e6:.1f} MB in {out}")


def _flow_only(impl, prompt_mel, speaker) -> torch.Tensor:
    token = impl._reshape(list(GEN_IDS)).unsqueeze(0)
    ptoken = impl._reshape(list(PROMPT_IDS)).unsqueeze(0)
    feat = torch.nn.functional.interpolate(prompt_mel.float().transpose(1, 2), size=ptoken.shape[1] * 2,
                                           mode="nearest").transpose(1, 2)
    length = lambda t: torch.tensor([t.shape[1]])  # noqa: E731
    return impl.flow.inference(token, length(token), ptoken, length(ptoken), feat, length(feat), speaker.float(), 10)


def _upstream_commit(upstream: str) -> str:
    try:
        return subprocess.run(["git", "-C", upstream, "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def _materialize(upstream: str, tmp: str) -> Tuple[str, str]:
    """(folder holding stepvocoder/, commit) for a work tree, an exported tree, or a bare repository."""
    if os.path.isdir(os.path.join(upstream, "stepvocoder", "cosyvoice2")):
        return upstream, _upstream_commit(upstream)
    bare = subprocess.run(["git", "-C", upstream, "rev-parse", "--is-bare-repository"], capture_output=True,
                          text=True)
    if bare.returncode != 0 or bare.stdout.strip() != "true":
        raise SystemExit(f"error: {upstream} has no stepvocoder/cosyvoice2 and is not a bare git repository")
    commit = subprocess.run(["git", "-C", upstream, "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    archive = subprocess.run(["git", "-C", upstream, "archive", "--format=tar", "HEAD", "stepvocoder"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp)
    return tmp, commit


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m retake_export.goldens.upstream_decoder", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", required=True, help="folder with the Step-Audio-EditX code (stepvocoder/ inside)")
    ap.add_argument("--out", required=True, help="fixture folder to write")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        folder, commit = _materialize(a.upstream, tmp)
        run(folder, commit, a.out, print)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Fixtures of the TypeScript pack builder's tests (test/integration/pack-build/, test/unit/pack-build/), written by
`pack` into DIR/pack-build/ (git-ignored, like the rest of the tiny pack):

  published/          the tiny Step1 in the PUBLISHED layout (lm-published --tiny: bf16 shards + index, config.json,
                      tokenizer.model, tokenizer_config.json), and CosyVoice-300M-25Hz/: hift.pt and flow.pt, a tiny
                      HiFT and flow as the published state dicts (plain weights, float32), cosyvoice.yaml (their
                      configuration in the published HyperPyYAML dialect: !new: tags, !ref references) and
                      campplus.onnx (the tiny pack's CAM++ stand-in)
  templates/step1-tiny/   its graph templates (lm-template --tiny), the weight-only quantized ones (QUANTIZED) included
  templates/hift-tiny/    the tiny HiFT's graph templates (vocoder-template --tiny)
  templates/flow-tiny/    the tiny flow's graph templates (flow-template --tiny)
  templates/vq02-tiny/    the tiny vq02's graph template (tokenizer-template --tiny)
  Step-Audio-Tokenizer/   a tiny tokenizer in the layout of the published Step-Audio-Tokenizer (beside published/):
                      the FunASR folder (model.pt with encoder and other tensors, config.yaml, am.mvn),
                      linguistic_tokenizer.npy and speech_tokenizer_v1.onnx (the tiny pack's S3 stand-in)
  python/             the Python exporter's pack made from published/ (lm --checkpoint, the QUANTIZED variants
                      included): the reference a built pack must equal in outputs; lm.<v>.initializers.json lists
                      each quantized graph's initializers (dtype, shape, sha256) for the tensor-by-tensor comparison
  python-hift/        the Python exporter's vocoder component made from published/CosyVoice-300M-25Hz/hift.pt
  python-flow/        the Python exporter's flow and speaker-encoder components made from flow.pt (and the same
                      stand-in)
  python-vq02/        the Python exporter's vq02 and vq06 components made from Step-Audio-Tokenizer/ (tokenizer --from)
  torch/              torch.save files: a state dict (bf16, fp16, fp32, int64, a tensor sharing a storage at an
                      offset), a module's state dict (with its _metadata), a checkpoint dict holding "state_dict", and
                      files whose pickles name other classes (os.system through __reduce__, a custom class), plus
                      expected.json with every tensor's dtype, shape and values
  npy/                .npy arrays (v1 float32, v2 int64) and their values in expected.json
  conversions.bin     float32 bit patterns over every range (and NaN, infinities, subnormals, ties) with numpy's
                      float16 and torch's bfloat16 conversions, for the builder's dtype conversions
"""

from __future__ import annotations

import collections
import json
import os
import shutil
from typing import Dict

import numpy as np
import torch

from .common import manifest as pack_manifest
from .common.torch_state import compare, fold_weight_norm, read_state
from .lm import export as lm_export
from .lm import published, template
from .lm.step1 import tiny_config
from .flow import export as flow_export
from .flow import template as flow_template
from .flow.model import Flow
from .flow.model import FlowConfig
from .flow.model import config_from_yaml as flow_config_from_yaml
from .flow.model import tiny_config as flow_tiny_config
from .common import hyperyaml
from .tokenizer import export as tokenizer_export
from .tokenizer import frontend as tokenizer_frontend
from .tokenizer import s3_standin
from .tokenizer import template as tokenizer_template
from .tokenizer.paraformer import PREFIX, ParaformerEncoder
from .tokenizer.paraformer import init_random as paraformer_init
from .tokenizer.paraformer import tiny_config as vq02_tiny_config
from .vocoder import export as vocoder_export
from .vocoder import template as vocoder_template
from .vocoder.hift import Hift
from .vocoder.hift import config_from_yaml as hift_config_from_yaml
from .vocoder.hift import tiny_config as hift_tiny_config


# The quantized variants of the builder's tests: the default int8 and int4 and the 32-block int4 (the three block
# schemes a pack may hold, so that a quantizer differing from the exporter's on any of them fails a test).
QUANTIZED = ["int8", "int4", "int4-b32"]


class _Evil:
    """Pickles as a call of os.system: what a malicious checkpoint does."""

    def __reduce__(self):
        return (os.system, ("echo this must never run",))


class _Custom:
    def __init__(self):
        self.x = 1


def _values(t: torch.Tensor) -> list:
    return t.detach().float().reshape(-1).tolist()


def _torch_files(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    g = torch.Generator().manual_seed(7)
    big = torch.randn(6, 4, generator=g)
    state = collections.OrderedDict([
        ("layer.weight", torch.randn(3, 5, generator=g).to(torch.bfloat16)),
        ("layer.bias", torch.randn(3, generator=g).to(torch.float16)),
        ("embed", torch.randn(4, 2, generator=g)),
        ("steps", torch.arange(5, dtype=torch.int64)),
        # A view that starts inside a larger storage (torch.save keeps the whole storage and an offset).
        ("view", big[2:4]),
        ("scalar", torch.tensor(2.5)),
    ])
    torch.save(state, os.path.join(out, "state.pt"))
    module = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.LayerNorm(3))
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g))
    torch.save(module.state_dict(), os.path.join(out, "module.pt"))
    torch.save({"epoch": 3, "state_dict": module.state_dict()}, os.path.join(out, "checkpoint.pt"))
    torch.save({"weight": torch.ones(2), "payload": _Evil()}, os.path.join(out, "evil.pt"))
    torch.save({"weight": torch.ones(2), "obj": _Custom()}, os.path.join(out, "custom.pt"))
    expected: Dict[str, dict] = {}
    for name, sd in (("state.pt", state), ("module.pt", module.state_dict()), ("checkpoint.pt", module.state_dict())):
        expected[name] = {k: {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape), "values": _values(v)}
                          for k, v in sd.items()}
    expected["evil.pt"] = {"refused": "posix.system" if os.name == "posix" else "nt.system"}
    expected["custom.pt"] = {"refused": f"{_Custom.__module__}._Custom"}
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1)


def _npy_files(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(3)
    a = rng.standard_normal((16, 8)).astype(np.float32)
    b = np.arange(12, dtype=np.int64).reshape(3, 4)
    np.save(os.path.join(out, "codebook.npy"), a)
    with open(os.path.join(out, "v2.npy"), "wb") as f:
        np.lib.format.write_array(f, b, version=(2, 0))
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"codebook.npy": {"dtype": "float32", "shape": [16, 8], "values": a.reshape(-1).tolist()},
                   "v2.npy": {"dtype": "int64", "shape": [3, 4], "values": b.reshape(-1).tolist()}}, f)


def _conversions(path: str) -> None:
    """uint32 count N, then N float32 bit patterns, N numpy float16 results, N torch bfloat16 results."""
    rng = np.random.default_rng(11)
    bits = [rng.integers(0, 1 << 32, size=200000, dtype=np.uint64).astype(np.uint32)]
    # Exponents around fp16's limits (overflow, the subnormal range, underflow) with random significands.
    for e in list(range(100, 145)):
        sig = rng.integers(0, 1 << 23, size=2000, dtype=np.uint32)
        sign = rng.integers(0, 2, size=2000, dtype=np.uint32) << 31
        bits.append(sign | (np.uint32(e) << 23) | sig)
    # Exact ties for fp16 (normal and subnormal) and for bf16, and specials.
    ties = []
    for e in (103, 105, 110, 112, 113, 120, 127, 140, 142):
        for low in (0x1000, 0x3000, 0x0FFF, 0x1001, 0x8000, 0x18000, 0x7FFF, 0x17FFF):
            for base in (0, 0x2000, 0x400000, 0x7FE000):
                ties.append((e << 23) | ((base | low) & 0x7FFFFF))
    specials = [0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0xFFC00001, 0x7F802000, 0x00000001,
                0x477FE000, 0x477FEFFF, 0x477FF000, 0x47800000, 0x33000000, 0x33000001, 0x38800000, 0x387FC000]
    bits.append(np.array(ties + specials, dtype=np.uint32))
    f32 = np.concatenate(bits).astype(np.uint32)
    with np.errstate(all="ignore"):
        f16 = f32.view(np.float32).astype(np.float16).view(np.uint16)
    bf16 = torch.from_numpy(f32.view(np.float32).copy()).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
    with open(path, "wb") as f:
        f.write(np.uint32(f32.size).tobytes())
        f.write(f32.astype("<u4").tobytes())
        f.write(f16.astype("<u2").tobytes())
        f.write(bf16.astype("<u2").tobytes())


def _hift(root: str, pub: str, seed: int) -> None:
    """The tiny HiFT in the published layout, its templates, and the Python export of that hift.pt (loaded the way
    `vocoder --checkpoint` loads it: read_state, weight norm folded, names compared)."""
    path = os.path.join(pub, vocoder_template.HIFT_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    state = vocoder_export.tiny_model(seed + 5).checkpoint_state()
    torch.save(collections.OrderedDict((k, v.detach().clone()) for k, v in state.items()), path)
    vocoder_template.write(hift_tiny_config(), os.path.join(root, "templates", "hift-tiny"), "hift-tiny",
                           "The tiny random HiFT of the tests", lambda s: None)
    # The Python export reads the settings from cosyvoice.yaml as `vocoder --checkpoint` does.
    yaml_path = os.path.join(pub, vocoder_template.YAML_FILE)
    read_back = hift_config_from_yaml(hyperyaml.load_file(yaml_path)["hift"])
    if read_back != hift_tiny_config():
        raise AssertionError(f"{yaml_path} does not read back as the tiny HiFT's configuration")
    folded, _ = fold_weight_norm(read_state(path))
    hift = Hift(read_back)
    compare(path, folded, {k: tuple(v.shape) for k, v in hift.checkpoint_state().items()})
    hift.load_checkpoint_state(folded)
    py = os.path.join(root, "python-hift")
    os.makedirs(py, exist_ok=True)
    pack_manifest.merge(py, "step-audio-editx", "the Python export of the tiny published hift.pt",
                        {"vocoder": vocoder_export.vocoder_component(hift.eval(), py, True, lambda s: None)})


def _initializer_index(py: str, names) -> None:
    """python/lm.<v>.initializers.json per quantized variant: every initializer of the exporter's graph with its
    dtype, shape and sha256 (the pack builder's test compares its own initializers with these, tensor by tensor)."""
    import hashlib

    import onnx
    from onnx import numpy_helper

    for name in names:
        m = onnx.load(os.path.join(py, f"lm.{name}.onnx"))
        index = {}
        for init in m.graph.initializer:
            arr = numpy_helper.to_array(init)
            index[init.name] = {"dtype": str(arr.dtype), "shape": list(arr.shape),
                                "sha256": hashlib.sha256(np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()).hexdigest()}
        with open(os.path.join(py, f"lm.{name}.initializers.json"), "w", encoding="utf-8") as f:
            json.dump(index, f, indent=1)


def cosyvoice_yaml(flow: FlowConfig, hift) -> str:
    """The tiny models' cosyvoice.yaml in the layout of the published one (class tags as upstream's stepvocoder
    names them; sizes shared through !ref as the published file does)."""
    return f"""# The tiny flow and HiFT of the tests, in the published cosyvoice.yaml layout (retake_export.pack_build_fixtures).
sample_rate: {hift.sample_rate}
spk_embed_dim: {flow.spk_embed_dim}
flow: !new:stepvocoder.cosyvoice2.flow.flow.CausalMaskedDiffWithXvec
    input_size: {flow.d_model}
    output_size: {flow.mel_bins}
    spk_embed_dim: !ref <spk_embed_dim>
    output_type: 'mel'
    vocab_size: {flow.vocab_size}
    encoder: !new:stepvocoder.cosyvoice2.transformer.upsample_encoder_v2.UpsampleConformerEncoderV2
        input_size: {flow.d_model}
        output_size: {flow.d_model}
        input_layer: linear
        pre_lookahead_len: {flow.pre_lookahead}
        num_blocks: {flow.enc_blocks}
        num_up_blocks: {flow.enc_up_blocks}
        up_stride: {flow.up_stride}
        attention_heads: {flow.enc_heads}
        linear_units: {flow.enc_linear_units}
        normalize_before: True
    decoder: !new:stepvocoder.cosyvoice2.flow.flow_matching.CausalConditionalCFM
        inference_cfg_rate: {flow.cfg_rate}
        estimator: !new:stepvocoder.cosyvoice2.flow.decoder_dit.DiT
            in_channels: {4 * flow.mel_bins}
            out_channels: {flow.mel_bins}
            mlp_ratio: {flow.dit_mlp_ratio}
            depth: {flow.dit_depth}
            num_heads: {flow.dit_heads}
            head_dim: {flow.dit_head_dim}
            hidden_size: {flow.dit_hidden}
hift: !new:stepvocoder.cosyvoice2.hifigan.generator.HiFTGenerator
    in_channels: {hift.mel_bins}
    base_channels: {hift.base_channels}
    nb_harmonics: {hift.nb_harmonics}
    sampling_rate: !ref <sample_rate>
    nsf_alpha: {hift.nsf_alpha}
    nsf_sigma: {hift.nsf_sigma}
    nsf_voiced_threshold: {hift.nsf_voiced_threshold}
    upsample_rates: {list(hift.upsample_rates)}
    upsample_kernel_sizes: {list(hift.upsample_kernel_sizes)}
    istft_params:
        n_fft: {hift.n_fft}
        hop_len: {hift.hop}
    resblock_kernel_sizes: {list(hift.resblock_kernel_sizes)}
    resblock_dilation_sizes: {[list(x) for x in hift.resblock_dilation_sizes]}
    source_resblock_kernel_sizes: {list(hift.source_resblock_kernel_sizes)}
    source_resblock_dilation_sizes: {[list(x) for x in hift.source_resblock_dilation_sizes]}
    lrelu_slope: {hift.lrelu_slope}
    audio_limit: {hift.audio_limit}
    f0_predictor: !new:stepvocoder.cosyvoice2.hifigan.f0_predictor.ConvRNNF0Predictor
        cond_channels: {hift.f0_channels}
mel_conf:
    n_fft: 1920
    num_mels: {flow.mel_bins}
    sampling_rate: !ref <sample_rate>
    hop_size: 480
    win_size: 1920
    fmin: 0
    fmax: 8000
    center: False
"""


def _flow(root: str, pub: str, seed: int) -> None:
    """The tiny flow in the published layout with a CAM++ stand-in, its templates, and the Python export of flow.pt
    (loaded the way `flow --checkpoint` loads it: read_state, float32, names compared)."""
    folder = os.path.join(pub, flow_template.FOLDER)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(pub, flow_template.FLOW_FILE)
    state = flow_export.tiny_model(seed + 6).state_dict()
    torch.save(collections.OrderedDict((k, v.detach().clone()) for k, v in state.items()), path)
    py = os.path.join(root, "python-flow")
    os.makedirs(py, exist_ok=True)
    speaker = flow_export.speaker_encoder_component(py, None, seed, lambda s: None)
    shutil.copyfile(os.path.join(py, "campplus_standin.onnx"), os.path.join(folder, "campplus.onnx"))
    campplus = os.path.join(folder, "campplus.onnx")
    flow_template.write(flow_tiny_config(), os.path.join(root, "templates", "flow-tiny"), "flow-tiny",
                        "The tiny random flow of the tests", lambda s: None,
                        {"sha256": flow_template._sha256(campplus), "bytes": os.path.getsize(campplus)})
    loaded = {k: v.float() for k, v in read_state(path).items()}
    flow = Flow(flow_tiny_config())
    compare(path, loaded, {k: tuple(v.shape) for k, v in flow.state_dict().items()})
    flow.load_state_dict(loaded, strict=True)
    # The Python export reads the settings from cosyvoice.yaml (written by write()) as `flow --checkpoint` does.
    yaml_path = os.path.join(folder, "cosyvoice.yaml")
    y = hyperyaml.load_file(yaml_path)
    read_back = flow_config_from_yaml(y["flow"])
    if (flow_export.manifest_config(read_back), read_back.cfg_rate) != (flow_export.manifest_config(flow_tiny_config()),
                                                                        flow_tiny_config().cfg_rate):
        raise AssertionError(f"{yaml_path} does not read back as the tiny flow's configuration")
    noise = flow_export.draw_noise(flow.cfg, flow_export.NOISE_SEED)
    comps = {"flow": flow_export.flow_component(flow.eval(), py, noise, flow_export.NOISE_SEED, y, lambda s: None),
             "speakerEncoder": speaker}
    pack_manifest.merge(py, "step-audio-editx", "the Python export of the tiny published flow.pt", comps)


def _vq02(root: str, seed: int) -> None:
    """The tiny tokenizer in the published Step-Audio-Tokenizer layout, its template, and the Python export of it
    (`tokenizer --from`, config.yaml included)."""
    import yaml

    tok = os.path.join(root, tokenizer_template.FOLDER)
    funasr = os.path.join(tok, tokenizer_template.FUNASR)
    os.makedirs(funasr, exist_ok=True)
    cfg = vq02_tiny_config()
    model = ParaformerEncoder(cfg)
    paraformer_init(model, seed + 8)
    g = torch.Generator().manual_seed(seed + 9)
    state = collections.OrderedDict((PREFIX + k, v.detach().clone()) for k, v in model.state_dict().items())
    # The published model.pt is the whole Paraformer: tensors beside the encoder's are not read.
    state["decoder.embed.0.weight"] = torch.randn(20, cfg.output_size, generator=g)
    state["predictor.cif_output.bias"] = torch.randn(1, generator=g)
    torch.save(state, os.path.join(funasr, "model.pt"))
    with open(os.path.join(funasr, "config.yaml"), "w", encoding="utf-8") as f:
        yaml.safe_dump({"encoder": "SANMEncoderChunkOpt", "frontend": "WavFrontendOnline",
                        "frontend_conf": tokenizer_template.FRONTEND_CONF,
                        "encoder_conf": {"output_size": cfg.output_size, "attention_heads": cfg.attention_heads,
                                         "linear_units": cfg.linear_units, "num_blocks": cfg.num_blocks,
                                         "kernel_size": cfg.kernel_size, "sanm_shfit": cfg.sanm_shift,
                                         "input_layer": "pe_online", "selfattention_layer_type": "sanm",
                                         "normalize_before": True}}, f)
    tokenizer_frontend.write_am_mvn(os.path.join(funasr, "am.mvn"), *tokenizer_frontend.random_cmvn(cfg.input_size, seed + 10))
    codebook = torch.randn(tokenizer_export.CODEBOOK_SIZE, cfg.output_size, generator=g).numpy().astype(np.float32)
    np.save(os.path.join(tok, "linguistic_tokenizer.npy"), codebook)
    s3_standin.export(s3_standin.build(seed + 11), os.path.join(tok, "speech_tokenizer_v1.onnx"))
    tokenizer_template.write(cfg, os.path.join(root, "templates", "vq02-tiny"), "vq02-tiny",
                             "The tiny random vq02 of the tests", lambda s: None, stand_in=True)
    tokenizer_export.run_from(tok, os.path.join(root, "python-vq02"), False, lambda s: None)


def write(out: str, seed: int, log) -> None:
    root = os.path.join(out, "pack-build")
    if os.path.isdir(root):
        shutil.rmtree(root)
    pub = os.path.join(root, "published")
    cfg, fill = published.tiny_fill(seed)
    published.write(pub, cfg, 2, fill, lambda s: None)
    template.write(tiny_config(), os.path.join(root, "templates", "step1-tiny"), ["fp16", "fp32", *QUANTIZED],
                   "step1-tiny", "The tiny random Step1 of the tests", lambda s: None)
    lm_export.run_checkpoint(pub, None, os.path.join(root, "python"), ["fp16", "fp32", *QUANTIZED], lambda s: None)
    _initializer_index(os.path.join(root, "python"), QUANTIZED)
    yaml_path = os.path.join(pub, vocoder_template.YAML_FILE)
    os.makedirs(os.path.dirname(yaml_path), exist_ok=True)
    with open(yaml_path, "w", encoding="utf-8") as f:
        f.write(cosyvoice_yaml(flow_tiny_config(), hift_tiny_config()))
    _hift(root, pub, seed)
    _flow(root, pub, seed)
    _vq02(root, seed)
    _torch_files(os.path.join(root, "torch"))
    _npy_files(os.path.join(root, "npy"))
    _conversions(os.path.join(root, "conversions.bin"))
    log(f"  pack-build fixtures: {root}")

"""Reference front ends for the parity tests and the benchmark of src-main/audio/features (EDITX-SPEC.md §4 and §6).

Each kind is computed the way the EditX reference computes it, with Debian's torch/torchaudio where the reference uses
them (torchaudio.functional.resample, torchaudio.compliance.kaldi.fbank, torch.stft) and numpy written from the
documented semantics where the reference uses a package Debian lacks (librosa's trim and Slaney mel filters, whisper's
log-mel). Nothing here is computed by our TypeScript, so the tests compare two independent implementations.

    PYTHONPATH=tools/export /usr/bin/python3 -m retake_export.goldens.features \\
        --out DIR [--kinds k1,k2,...] [--mvn am.mvn] [--precision 32|64] IN.wav ...
        writes DIR/<i>.<kind>.npy (float32; frames x bins, audio 1-D) for the i-th input, and DIR/<i>.trim.json
        ({"start": s, "end": e, "resampledFrom": rate|null}) for preprocess16k.
    ... --bench IN.wav [--repeats N]
        prints one JSON object: the best CPU and wall times in ms of each kind on that input, torch on one thread
        (the benchmark's baseline).

Every kind starts from the file's samples mixed to mono (mean of the channels) and resampled to the kind's rate with
torchaudio's default resampler (16 kHz; prompt-mel 24 kHz), as `retake debug features` does; resample24k is the
prompt mel's input, so that a test can feed both implementations the same samples. Only preprocess16k also
normalises and trims. `--precision 64` runs the feature maths (not the resampler, which our code reproduces in float32
bit for bit) on float64 tensors: the same code, without float32 rounding noise, for tolerances tighter than that noise.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import scipy.io.wavfile
import torch
import torchaudio
import torchaudio.compliance.kaldi as kaldi

KINDS = ['resample16k', 'resample24k', 'preprocess16k', 'fbank', 'lfr-cmvn', 'whisper-mel', 'prompt-mel',
         'campplus-fbank']
RATE_OF_KIND = {'prompt-mel': 24000, 'resample24k': 24000}


# ---- input ------------------------------------------------------------------------------------------------------------

def read_wav(path):
    """(mono float32 samples, rate): integer PCM scaled by 1/2^(bits-1) like our decoder, channels averaged."""
    rate, data = scipy.io.wavfile.read(path)
    if data.dtype == np.int16:
        x = data.astype(np.float32) / 32768.0
    elif data.dtype == np.int32:  # 32-bit PCM, and 24-bit PCM which scipy left-aligns into int32
        x = data.astype(np.float64) / 2147483648.0
    elif data.dtype == np.uint8:
        x = (data.astype(np.float32) - 128.0) / 128.0
    else:
        x = data
    x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    if x.dim() == 2:
        x = x.mean(dim=1)
    return x, int(rate)


def resample(x, rate, to):
    """torchaudio.functional.resample with its defaults (sinc_interp_hann, lowpass_filter_width 6, rolloff 0.99)."""
    if rate == to:
        return x.clone()
    return torchaudio.functional.resample(x.unsqueeze(0), rate, to)[0]


# ---- 16 kHz preprocessing (§4): peak normalisation, librosa-style trim, length rule -----------------------------------

def energy_norm(x):
    """x / max(max|x|, 0.01) * 0.999 on a float32 tensor, as the reference does it."""
    peak = float(torch.max(torch.abs(x))) if x.numel() else 0.0
    return x / max(peak, 0.01) * 0.999


def nonsilent_span(y, top_db=20.0, frame_length=512, hop_length=128):
    """librosa.effects.trim(y, top_db, ref=np.max, frame_length, hop_length)'s span [s, e), from its documented
    semantics: frame RMS with centred frames (zero padding of frame_length // 2 each side), amplitude_to_db against the
    loudest frame (amin 1e-5, i.e. power floor 1e-10), a frame is sound when its level exceeds -top_db; the span runs
    from the first such frame's sample (frame * hop) to one frame past the last (capped at the signal length). The
    maths are float64 (librosa works in float32; a frame within float32 noise of the threshold is the only case where
    the two could differ)."""
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    pad = frame_length // 2
    yp = np.concatenate([np.zeros(pad), y, np.zeros(pad)])
    frames = 1 + (len(yp) - frame_length) // hop_length
    idx = np.arange(frames)[:, None] * hop_length + np.arange(frame_length)[None, :]
    power = np.mean(yp[idx] ** 2, axis=1)  # rms² per frame
    amin = 1e-10
    db = 10.0 * np.log10(np.maximum(amin, power)) - 10.0 * np.log10(max(amin, float(power.max())))
    loud = np.flatnonzero(db > -top_db)
    if loud.size == 0:
        return 0, 0
    return int(loud[0] * hop_length), int(min(n, (loud[-1] + 1) * hop_length))


def preprocess16k(x, rate):
    """§4 exactly: resample, normalise, trim; output starts 800 samples (0.05 s) before the span (zero-padded on the
    left when that is before the signal) and is int(ceil((e - s)/240)*240 + 0.27*16000) samples long, cut or
    zero-padded at the end."""
    y = resample(x, rate, 16000) if rate != 16000 else x.clone()
    y = energy_norm(y).numpy()
    s, e = nonsilent_span(y)
    start = s - int(0.05 * 16000)
    out_len = int(math.ceil((e - s) / 240) * 240 + (0.05 + 0.22) * 16000)
    seg = y[start:] if start > 0 else np.concatenate([np.zeros(-start, dtype=np.float32), y])
    seg = seg[:out_len] if len(seg) >= out_len else np.concatenate([seg, np.zeros(out_len - len(seg), np.float32)])
    return seg.astype(np.float32), {'start': s, 'end': e, 'resampledFrom': None if rate == 16000 else rate}


# ---- Kaldi fbank (vq02, CAM++), LFR and CMVN ----------------------------------------------------------------------

def vq02_fbank(x16):
    """§4: kaldi.fbank with the FunASR front end's arguments: 80 bins, 25/10 ms, hamming, input x 32768, energy floor 0,
    dither 0 (upstream 1.0), the other defaults (pre-emphasis 0.97, DC removal, 512 FFT, 20 Hz, power, log)."""
    return kaldi.fbank((x16 * 32768).unsqueeze(0), num_mel_bins=80, frame_length=25, frame_shift=10, dither=0.0,
                       energy_floor=0.0, window_type='hamming', sample_frequency=16000, snip_edges=True)


def campplus_fbank(x16):
    """§6 speaker embedding: kaldi.fbank(80 bins, dither 0, defaults: povey window), unscaled, minus its mean frame."""
    f = kaldi.fbank(x16.unsqueeze(0), num_mel_bins=80, dither=0.0, sample_frequency=16000)
    return f - f.mean(dim=0, keepdim=True)


def read_mvn(path):
    """AddShift and Rescale vectors of a Kaldi nnet1 text `am.mvn`: the numbers between [ and ] of the
    <LearnRateCoef> line following each component's header."""
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    out = {}
    for i, line in enumerate(lines):
        tok = line.split()
        if tok and tok[0] in ('<AddShift>', '<Rescale>') and i + 1 < len(lines):
            nxt = lines[i + 1]
            out[tok[0]] = np.array(nxt[nxt.index('[') + 1:nxt.index(']')].split(), dtype=np.float32)
    return out['<AddShift>'], out['<Rescale>']


def lfr(feats, m=7, n=6):
    """Low frame rate stacking as FunASR's offline front end does it: (m-1)//2 copies of the first frame as left
    context, ceil(T/n) output frames, each the concatenation of m frames starting every n; a window that runs past the
    end is filled with copies of the last frame."""
    t = feats.shape[0]
    left = (m - 1) // 2
    x = np.concatenate([np.repeat(feats[:1], left, axis=0), feats], axis=0)
    out = []
    for i in range(int(math.ceil(t / n))):
        rows = [min(i * n + k, len(x) - 1) for k in range(m)]
        out.append(x[rows].reshape(-1))
    return np.stack(out) if out else np.zeros((0, m * feats.shape[1]), feats.dtype)


def lfr_cmvn(x16, shift, rescale):
    f = vq02_fbank(x16).numpy()
    y = lfr(f)
    return ((y + shift.astype(y.dtype)) * rescale.astype(y.dtype))


# ---- Whisper log-mel (vq06) and the 24 kHz prompt mel (flow) --------------------------------------------------------

def slaney_mel(sr, n_fft, n_mels, fmin=0.0, fmax=None):
    """librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax) with its defaults (Slaney mel scale, Slaney area
    normalisation), from its documented definition: triangles between consecutive points equally spaced in mel, over
    the FFT bin frequencies linspace(0, sr/2, n_fft//2 + 1), each scaled by 2 / (its upper - its lower edge in Hz).
    Returned float32 (n_mels, n_fft//2 + 1), the dtype librosa returns and whisper ships."""
    fmax = sr / 2 if fmax is None else fmax
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0

    def hz_to_mel(f):
        f = np.asarray(f, dtype=np.float64)
        return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep, f / f_sp)

    def mel_to_hz(m):
        m = np.asarray(m, dtype=np.float64)
        return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)

    fft_f = np.linspace(0, sr / 2, 1 + n_fft // 2)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_f[None, :]
    w = np.zeros((n_mels, len(fft_f)))
    for i in range(n_mels):
        w[i] = np.maximum(0, np.minimum(-ramps[i] / fdiff[i], ramps[i + 2] / fdiff[i + 1]))
    w *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]
    return w.astype(np.float32)


_WHISPER_FILTERS = torch.from_numpy(slaney_mel(16000, 400, 128))
_PROMPT_FILTERS = torch.from_numpy(slaney_mel(24000, 1920, 80, 0.0, 8000.0))


def whisper_log_mel(x16):
    """§4 / whisper.log_mel_spectrogram(n_mels=128): centred reflect-padded STFT (n_fft 400, hop 160, periodic Hann),
    last frame dropped, |X|², 128 Slaney mel, log10(max(x, 1e-10)), floor at max - 8, (x + 4) / 4. (frames, 128)."""
    window = torch.hann_window(400, dtype=x16.dtype)
    stft = torch.stft(x16, 400, 160, window=window, center=True, pad_mode='reflect', return_complex=True)
    power = stft[..., :-1].abs() ** 2
    mel = _WHISPER_FILTERS.to(x16.dtype) @ power
    log_spec = torch.clamp(mel, min=1e-10).log10()
    log_spec = torch.maximum(log_spec, log_spec.max() - 8.0)
    return ((log_spec + 4.0) / 4.0).T


def prompt_mel(x24):
    """§6 "Mel": reflect-pad 720 each side, STFT n_fft 1920, hop 480, periodic Hann 1920, not centred,
    sqrt(re² + im² + 1e-9), 80 Slaney mel 0-8000 Hz, log(max(x, 1e-5)). (frames, 80)."""
    y = torch.nn.functional.pad(x24.view(1, 1, -1), (720, 720), mode='reflect').view(-1)
    window = torch.hann_window(1920, dtype=x24.dtype)
    spec = torch.view_as_real(torch.stft(y, 1920, hop_length=480, win_length=1920, window=window, center=False,
                                         return_complex=True))
    mag = torch.sqrt(spec.pow(2).sum(-1) + 1e-9)
    mel = _PROMPT_FILTERS.to(x24.dtype) @ mag
    return torch.log(torch.clamp(mel, min=1e-5)).T


# ---- driver -------------------------------------------------------------------------------------------------------

def compute(kind, x, rate, mvn, dtype):
    """(array, extra info or None) for one kind on mono samples x at `rate`."""
    if kind == 'preprocess16k':
        return preprocess16k(x, rate)
    y = resample(x, rate, RATE_OF_KIND.get(kind, 16000))
    if kind in ('resample16k', 'resample24k'):
        return y, None
    y = y.to(dtype)
    if kind == 'fbank':
        return vq02_fbank(y), None
    if kind == 'campplus-fbank':
        return campplus_fbank(y), None
    if kind == 'lfr-cmvn':
        if mvn is None:
            raise SystemExit('features: lfr-cmvn needs --mvn FILE')
        return lfr_cmvn(y, *mvn), None
    if kind == 'whisper-mel':
        return whisper_log_mel(y), None
    if kind == 'prompt-mel':
        return prompt_mel(y), None
    raise SystemExit(f'features: unknown kind {kind!r} (kinds: {", ".join(KINDS)})')


def as_f32(a):
    a = a.numpy() if isinstance(a, torch.Tensor) else a
    return np.ascontiguousarray(a, dtype=np.float32)


def bench(path, kinds, mvn, dtype, repeats):
    """Best times (ms) per kind, each on the file's samples at its rate (resampling included where the kind's rate
    differs, as in our code): {"kind": {"cpu": thread CPU time, "wall": elapsed}}. torch runs on one thread, like our
    TypeScript, so thread CPU time is the work itself, unaffected by other processes on a shared machine."""
    x, rate = read_wav(path)
    torch.set_num_threads(1)
    result = {}
    for kind in kinds:
        compute(kind, x, rate, mvn, dtype)  # warm up
        cpu = wall = float('inf')
        for _ in range(repeats):
            c0, t0 = time.thread_time(), time.perf_counter()
            compute(kind, x, rate, mvn, dtype)
            cpu = min(cpu, (time.thread_time() - c0) * 1000)
            wall = min(wall, (time.perf_counter() - t0) * 1000)
        result[kind] = {'cpu': cpu, 'wall': wall}
    return result


def main(argv):
    p = argparse.ArgumentParser(prog='retake_export.goldens.features', description=__doc__.split('\n\n')[0])
    p.add_argument('inputs', nargs='+', help='WAV files')
    p.add_argument('--out', help='folder for the .npy files')
    p.add_argument('--kinds', default=','.join(KINDS))
    p.add_argument('--mvn', help='am.mvn (Kaldi nnet1 text) for lfr-cmvn')
    p.add_argument('--precision', choices=['32', '64'], default='32')
    p.add_argument('--bench', action='store_true', help='time each kind on the (one) input instead of writing files')
    p.add_argument('--repeats', type=int, default=5)
    a = p.parse_args(argv)
    kinds = [k for k in a.kinds.split(',') if k]
    for k in kinds:
        if k not in KINDS:
            p.error(f'unknown kind {k!r} (kinds: {", ".join(KINDS)})')
    mvn = read_mvn(a.mvn) if a.mvn else None
    dtype = torch.float64 if a.precision == '64' else torch.float32
    torch.set_grad_enabled(False)
    if a.bench:
        print(json.dumps(bench(a.inputs[0], kinds, mvn, dtype, a.repeats)))
        return 0
    if not a.out:
        p.error('--out DIR is needed (or --bench)')
    os.makedirs(a.out, exist_ok=True)
    for i, path in enumerate(a.inputs):
        x, rate = read_wav(path)
        for kind in kinds:
            arr, info = compute(kind, x, rate, mvn, dtype)
            np.save(os.path.join(a.out, f'{i}.{kind}.npy'), as_f32(arr))
            if info is not None:
                with open(os.path.join(a.out, f'{i}.trim.json'), 'w', encoding='utf-8') as f:
                    json.dump(info, f)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

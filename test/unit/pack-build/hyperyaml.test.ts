// The HyperPyYAML reader (src-main/engines/editx/pack/build/hyperyaml.ts) on the dialect of the published
// cosyvoice.yaml: class tags read as their mappings (never instantiated), !ref references and arithmetic resolved as
// tools/export/retake_export/common/hyperyaml.py resolves them, and clear errors for what it cannot read.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HyperYamlError, lookup, parseHyperYaml } from '../../../src-main/engines/editx/pack/build/hyperyaml';

const UPSTREAM_YAML = join(__dirname, '..', '..', 'fixtures', 'editx', 'upstream', 'decoder', 'cosyvoice.yaml');

describe('parseHyperYaml', () => {
  it('reads the upstream decoder golden configuration as data', () => {
    const y = parseHyperYaml(readFileSync(UPSTREAM_YAML, 'utf8'), 'cosyvoice.yaml');
    expect(lookup(y, 'flow.decoder.estimator.num_heads')).toBe(2);
    expect(lookup(y, 'flow.decoder.inference_cfg_rate')).toBe(0.7);
    expect(lookup(y, 'flow.encoder.attention_heads')).toBe(2);
    expect(lookup(y, 'flow.decoder.estimator.mlp_ratio')).toBe(4);
    expect(lookup(y, 'hift.resblock_dilation_sizes')).toEqual([[1, 3, 5], [1, 3, 5], [1, 3, 5]]);
    expect(lookup(y, 'hift.f0_predictor.cond_channels')).toBe(16);
    expect(lookup(y, 'mel_conf')).toEqual({ n_fft: 1920, num_mels: 80, sampling_rate: 24000, hop_size: 480, win_size: 1920, fmin: 0, fmax: 8000, center: false });
    expect(lookup(y, 'flow.decoder.estimator.no_such_key')).toBeUndefined();
  });

  it('resolves !ref references, dotted ones and arithmetic, and reads every tag form as data', () => {
    const y = parseHyperYaml(
      [
        'sample_rate: 24000',
        'hop: 480',
        'frames: !ref <sample_rate> // <hop>',
        'half: !ref <sample_rate> / (<hop> * 2) - -1',
        'spk: 192',
        'model: !new:pkg.module.Model',
        '    dim: !ref <spk>',
        '    rate: !ref <sample_rate>',
        '    inner: !name:pkg.other.f',
        '    args: !apply:pkg.f [1, 2]',
        'again: !ref <model.dim>',
        'chain: !ref <again>',
        'hole: !PLACEHOLDER',
        'flag: True',
      ].join('\n'),
      'x.yaml',
    );
    expect(y).toEqual({
      sample_rate: 24000,
      hop: 480,
      frames: 50,
      half: 26,
      spk: 192,
      model: { dim: 192, rate: 24000, inner: {}, args: { args: [1, 2] } },
      again: 192,
      chain: 192,
      hole: null,
      flag: true,
    });
  });

  it('refuses a missing reference, a non-numeric one in arithmetic, a cycle and broken YAML, naming the file', () => {
    expect(() => parseHyperYaml('a: !ref <b>', 'x.yaml')).toThrow(/x\.yaml: !ref <b>: no such key/);
    expect(() => parseHyperYaml("a: text\nb: !ref <a> * 2", 'x.yaml')).toThrow(/x\.yaml: !ref <a> \* 2: <a> is not a number/);
    expect(() => parseHyperYaml('a: !ref <b>\nb: !ref <a>', 'x.yaml')).toThrow(/x\.yaml: !ref references form a cycle/);
    expect(() => parseHyperYaml('a: !ref <b> ; 1\nb: 2', 'x.yaml')).toThrow(/x\.yaml: unsupported expression in !ref/);
    expect(() => parseHyperYaml('a: [1, 2\nb: 3', 'x.yaml')).toThrow(HyperYamlError);
    expect(() => parseHyperYaml('- 1\n- 2', 'x.yaml')).toThrow(/x\.yaml: not a mapping at the top level/);
  });
});

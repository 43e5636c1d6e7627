// Hand-built WAV files for tests (independent of the encoder under test).
export function wavBytes(samples: Float32Array, sampleRate: number, format: 'pcm16' | 'float32' = 'pcm16'): Uint8Array {
  const bps = format === 'pcm16' ? 2 : 4;
  const data = samples.length * bps;
  const b = new Uint8Array(44 + data);
  const v = new DataView(b.buffer);
  const str = (o: number, s: string) => [...s].forEach((c, i) => (b[o + i] = c.charCodeAt(0)));
  str(0, 'RIFF');
  v.setUint32(4, 36 + data, true);
  str(8, 'WAVE');
  str(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, format === 'pcm16' ? 1 : 3, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * bps, true);
  v.setUint16(32, bps, true);
  v.setUint16(34, bps * 8, true);
  str(36, 'data');
  v.setUint32(40, data, true);
  for (let i = 0; i < samples.length; i++) {
    if (format === 'pcm16') v.setInt16(44 + 2 * i, Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32767))), true);
    else v.setFloat32(44 + 4 * i, samples[i]!, true);
  }
  return b;
}

export function sine(freq: number, seconds: number, sampleRate: number, amp = 0.3): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / sampleRate);
  return x;
}

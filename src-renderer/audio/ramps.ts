// Gain curves for switching between two players without a click: an equal-power crossfade (the outgoing player on
// cos, the incoming on sin, so the summed power of uncorrelated material stays constant through the switch). Handed to
// Web Audio's setValueCurveAtTime, which interpolates linearly between the points.

// Points per curve: at a 30 ms switch one point every ~0.5 ms, far finer than any audible step.
export const CURVE_POINTS = 64;

/** Incoming (0 → `to`) and outgoing (`from` → 0) gains of an equal-power crossfade. */
export function equalPowerCurves(from: number, to: number, points = CURVE_POINTS): { fadeIn: Float32Array; fadeOut: Float32Array } {
  const n = Math.max(2, Math.round(points));
  const fadeIn = new Float32Array(n);
  const fadeOut = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const phase = ((i / (n - 1)) * Math.PI) / 2;
    fadeIn[i] = to * Math.sin(phase);
    fadeOut[i] = from * Math.cos(phase);
  }
  // Exact ends, whatever the float rounding of sin/cos at π/2.
  fadeIn[n - 1] = to;
  fadeOut[n - 1] = 0;
  return { fadeIn, fadeOut };
}

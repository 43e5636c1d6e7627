// What the timeline's parts share about its layout (a component-level context, not a controller): the fixed sizes,
// and where a pointer is over the lanes (x from the view's left edge, y from the first lane's top, and the track there).

import { getContext, setContext } from 'svelte';

// Track headers: name, mute/solo, gain and delete fit in this width.
export const HEAD_PX = 208;
export const RULER_PX = 30;
// The clip header bar (the handle that moves the clip) and the clip's border.
export const CLIP_HEADER_PX = 18;
export const CLIP_INSET_PX = 4;

export interface LanePoint {
  x: number;
  y: number;
  trackId: number | null;
}

export interface LanesGeometry {
  /** Where a pointer event is over the lanes. */
  at(e: { clientX: number; clientY: number }): LanePoint;
}

const KEY = Symbol('retake.lanes');

export function provideLanes(g: LanesGeometry): void {
  setContext(KEY, g);
}

export function lanes(): LanesGeometry {
  const g = getContext<LanesGeometry | undefined>(KEY);
  if (!g) throw new Error('No lanes geometry in context: the component is outside the timeline.');
  return g;
}

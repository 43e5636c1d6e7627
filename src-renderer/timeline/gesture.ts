// Following one pointer from its press to its release: the window's listeners follow it (so the gesture survives the
// pressed element being redrawn elsewhere, as a clip dragged to another track is), `moved` turns true once it has
// travelled past a few pixels (so a click never becomes a drag), and Escape cancels the gesture.

export interface GestureHandlers {
  move?(e: PointerEvent, moved: boolean): void;
  up?(e: PointerEvent, moved: boolean): void;
  /** Escape, or the pointer was taken away (pointercancel). */
  cancel?(): void;
}

// A press that travels less than this is a click (about the jitter of a hand on a mouse or a trackpad tap).
export const CLICK_SLOP_PX = 3;

export function followPointer(down: PointerEvent, h: GestureHandlers, slopPx = CLICK_SLOP_PX): void {
  const el = down.currentTarget as Element | null;
  try {
    // Keeps hover effects elsewhere quiet while dragging; the window listeners do the following.
    el?.setPointerCapture(down.pointerId);
  } catch {
    // a synthetic event without an active pointer: the listeners below still work
  }
  const x0 = down.clientX;
  const y0 = down.clientY;
  let moved = false;
  const onMove = (e: Event) => {
    const p = e as PointerEvent;
    if (p.pointerId !== down.pointerId) return;
    if (!moved && Math.hypot(p.clientX - x0, p.clientY - y0) > slopPx) moved = true;
    h.move?.(p, moved);
  };
  const onUp = (e: Event) => {
    const p = e as PointerEvent;
    if (p.pointerId !== down.pointerId) return;
    done();
    h.up?.(p, moved);
  };
  const onCancel = () => {
    done();
    h.cancel?.();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.preventDefault();
    e.stopPropagation();
    onCancel();
  };
  const done = () => {
    window.removeEventListener('pointermove', onMove, true);
    window.removeEventListener('pointerup', onUp, true);
    window.removeEventListener('pointercancel', onCancel, true);
    window.removeEventListener('keydown', onKey, true);
    try {
      if (el?.isConnected) el.releasePointerCapture(down.pointerId);
    } catch {
      // already released
    }
  };
  window.addEventListener('pointermove', onMove, true);
  window.addEventListener('pointerup', onUp, true);
  window.addEventListener('pointercancel', onCancel, true);
  window.addEventListener('keydown', onKey, true);
}

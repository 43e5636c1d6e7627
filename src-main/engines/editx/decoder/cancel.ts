// Cancellation between the decoder's graph runs (a run itself cannot be interrupted).

import { RetakeError } from '../../../contract/errors';

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RetakeError('E_CANCELLED', 'Decoding was cancelled.');
}

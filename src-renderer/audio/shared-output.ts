// One audio output, two players (the timeline transport and the takes panel's audition): whoever plays claims it,
// and the one it was taken from is told it stopped, so only one of them ever shows itself playing.

import type { AudioOutput } from './mix-engine';

export interface OutputUser {
  /** The output was taken by the other player, or the program ended. */
  outputStopped(reason: 'taken' | 'ended'): void;
}

export class SharedOutput {
  readonly output: AudioOutput;
  private owner: OutputUser | null = null;
  private readonly offEnded: () => void;

  constructor(output: AudioOutput) {
    this.output = output;
    this.offEnded = output.onEnded(() => {
      const o = this.owner;
      this.owner = null;
      o?.outputStopped('ended');
    });
  }

  claim(user: OutputUser): AudioOutput {
    const prev = this.owner;
    this.owner = user;
    if (prev && prev !== user) {
      this.output.stop();
      prev.outputStopped('taken');
    }
    return this.output;
  }

  /** Stops the output if `user` holds it. */
  release(user: OutputUser): void {
    if (this.owner !== user) return;
    this.owner = null;
    this.output.stop();
  }

  owns(user: OutputUser): boolean {
    return this.owner === user;
  }

  dispose(): void {
    this.offEnded();
    this.owner = null;
    this.output.dispose();
  }
}

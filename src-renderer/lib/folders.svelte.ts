// Choosing a project folder. In Electron the system's own dialog (through the preload's `pickFolder`); in the web
// shell a dialog over `files.browse`, the core's folder lister, which only shows the user's home and the projects
// folder and what is inside them.

import type { FolderListing } from '../../src-main/contract';
import type { Client } from './client';
import type { ErrorsController } from './errors.svelte';
import { t } from './i18n.svelte';

export class FolderBrowser {
  /** The web dialog is open. */
  open = $state(false);
  listing = $state.raw<FolderListing | null>(null);
  loading = $state(false);
  /** The last listing that failed (shown in the dialog, not as a toast). */
  problem = $state<string | null>(null);
  private readonly client: Client;
  private readonly errors: ErrorsController;
  private readonly nativePick: (() => Promise<string | null>) | null;
  private resolveChoice: ((dir: string | null) => void) | null = null;

  constructor(client: Client, errors: ErrorsController, nativePick: (() => Promise<string | null>) | null) {
    this.client = client;
    this.errors = errors;
    this.nativePick = nativePick;
  }

  /** Asks the user for a folder; null when they cancel. */
  async pick(start?: string): Promise<string | null> {
    if (this.nativePick) {
      const pick = this.nativePick;
      return (await this.errors.guard(t('ctx.pickFolder'), pick)) ?? null;
    }
    this.resolveChoice?.(null);
    this.open = true;
    this.problem = null;
    const chosen = new Promise<string | null>((resolve) => (this.resolveChoice = resolve));
    await this.go(start && start.trim() ? start.trim() : undefined);
    return chosen;
  }

  /** Lists a folder (the home folder when none is given). */
  async go(dir?: string): Promise<void> {
    this.loading = true;
    try {
      this.listing = await this.client.call('files.browse', dir === undefined ? {} : { dir });
      this.problem = null;
    } catch (e) {
      // A typed folder that does not exist or is out of bounds: say so, and show the home folder instead.
      this.problem = e instanceof Error ? e.message : String(e);
      if (!this.listing && dir !== undefined) {
        try {
          this.listing = await this.client.call('files.browse', {});
        } catch {
          // the message above stays
        }
      }
    } finally {
      this.loading = false;
    }
  }

  choose(dir: string): void {
    this.finish(dir);
  }

  cancel(): void {
    this.finish(null);
  }

  private finish(dir: string | null): void {
    this.open = false;
    const r = this.resolveChoice;
    this.resolveChoice = null;
    r?.(dir);
  }
}

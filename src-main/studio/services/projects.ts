// Opening, creating and closing projects (the studio entry runs these one at a time), the recent-projects list, and
// what happens on open: a new project gets its first track, jobs a crash interrupted are failed with their takes
// shown. Closing lets the calls under way finish, cancels the queue and stops the running job before the database
// closes.

import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { RetakeError, type FolderListing, type LengthMode, type ProjectInfo, type RecentProject } from '../../contract';
import { ProjectStore } from '../../store/project-store';
import type { StudioContext } from '../context';
import { projectsDir, resolveUserPath } from '../home';
import type { JobsService } from './jobs/service';

export class ProjectsService {
  constructor(
    private readonly ctx: StudioContext,
    private readonly jobs: JobsService,
    /** Resolves when every call under way has settled (the studio entry tracks them). */
    private readonly callsSettled: () => Promise<void>,
  ) {}

  async create(dir: string, name: string | undefined): Promise<ProjectInfo> {
    return this.adopt(await ProjectStore.create(this.userPath(dir), name), true);
  }

  async open(dir: string): Promise<ProjectInfo> {
    dir = this.userPath(dir);
    const cur = this.ctx.project;
    if (cur && path.resolve(dir) === cur.dir) return this.ctx.projectInfo(cur);
    return this.adopt(await ProjectStore.open(dir), false);
  }

  current(): ProjectInfo | null {
    return this.ctx.project ? this.ctx.projectInfo(this.ctx.project) : null;
  }

  /** project.setSettings: the length modes (a preference: not undoable). */
  setSettings(a: { regionLengthMode?: LengthMode | undefined; clipLengthMode?: LengthMode | undefined }): ProjectInfo {
    const p = this.ctx.need();
    const cur = this.ctx.projectInfo(p).settings;
    p.repos.project.setLengthModes({ region: a.regionLengthMode ?? cur.regionLengthMode, clip: a.clipLengthMode ?? cur.clipLengthMode });
    const info = this.ctx.projectInfo(p);
    this.ctx.events.emit('project.changed', { project: info });
    return info;
  }

  listRecent(): RecentProject[] {
    return this.ctx.settings.recent();
  }

  removeRecent(dir: string): RecentProject[] {
    this.ctx.settings.removeRecent(dir);
    return this.ctx.settings.recent();
  }

  /** A typed folder: relative and `~` paths start at the user's home folder. */
  userPath(dir: string): string {
    return resolveUserPath(dir, this.ctx.userHome);
  }

  /**
   * The folders inside `dir` for the web shell's folder picker, limited to the user's home and the projects folder
   * (links are resolved before the check, so a link cannot lead out).
   */
  async browse(dir: string | undefined): Promise<FolderListing> {
    const roots = [
      { label: 'Home', path: this.ctx.userHome },
      { label: 'Projects', path: projectsDir(this.ctx.home) },
    ];
    await fsp.mkdir(roots[1]!.path, { recursive: true }).catch(() => {});
    const realRoots = await Promise.all(roots.map((r) => fsp.realpath(r.path).catch(() => path.resolve(r.path))));
    const wanted = dir === undefined ? this.ctx.userHome : this.userPath(dir);
    const real = await fsp.realpath(wanted).catch(() => null);
    if (!real) throw new RetakeError('E_FILE_NOT_FOUND', `The folder ${wanted} does not exist.`);
    const inside = (root: string) => {
      const rel = path.relative(root, real);
      return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
    };
    const root = realRoots.filter(inside).sort((a, b) => b.length - a.length)[0];
    if (root === undefined) {
      throw new RetakeError('E_FORBIDDEN', `Retake can only browse your home folder and its projects folder, not ${wanted}.`);
    }
    let names: string[];
    try {
      names = (await fsp.readdir(real, { withFileTypes: true }))
        .filter((d) => !d.name.startsWith('.') && (d.isDirectory() || d.isSymbolicLink()))
        .map((d) => d.name);
    } catch (e) {
      throw new RetakeError('E_IO', `Could not list ${real}: ${(e as Error).message}.`);
    }
    const entries = [];
    for (const name of names.sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' })).slice(0, 2000)) {
      const p = path.join(real, name);
      const st = await fsp.stat(p).catch(() => null);
      if (!st?.isDirectory()) continue;
      entries.push({ name, path: p, isProject: existsSync(path.join(p, 'project.sqlite')) });
    }
    return { dir: real, parent: real === root ? null : path.dirname(real), entries, roots: roots.map((r, i) => ({ label: r.label, path: realRoots[i]! })) };
  }

  /** Whether dir holds a project (to open) or not (to create). */
  exists(dir: string): boolean {
    return ProjectStore.isProject(dir);
  }

  private async adopt(store: ProjectStore, created: boolean): Promise<ProjectInfo> {
    try {
      await this.close();
    } catch (e) {
      store.close();
      throw e;
    }
    this.ctx.project = store;
    if (created) store.repos.tracks.add({ name: 'Track 1', ord: 0 });
    this.jobs.recoverInterrupted();
    const info = this.ctx.projectInfo(store);
    this.ctx.settings.addRecent(store.dir, info.name);
    this.ctx.events.emit('project.changed', { project: info });
    this.ctx.events.emit('history.changed', this.ctx.historyState());
    return info;
  }

  async close(): Promise<void> {
    const p = this.ctx.project;
    if (!p) return;
    this.ctx.closing = true;
    try {
      // Calls under way finish first (they cannot start jobs now: the queue waits while closing); then the queue is
      // cancelled and the running job stopped.
      await this.callsSettled();
      await this.jobs.stopAll();
    } finally {
      this.ctx.project = null;
      this.ctx.closing = false;
      p.close();
    }
    this.ctx.events.emit('project.changed', { project: null });
  }
}

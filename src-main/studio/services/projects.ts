// Opening, creating and closing projects (the studio entry runs these one at a time), the recent-projects list, and
// what happens on open: a new project gets its first track, jobs a crash interrupted are failed with their takes
// shown. Closing lets the calls under way finish, cancels the queue and stops the running job before the database
// closes.

import path from 'node:path';
import type { ProjectInfo, RecentProject } from '../../contract';
import { ProjectStore } from '../../store/project-store';
import type { StudioContext } from '../context';
import type { JobsService } from './jobs/service';

export class ProjectsService {
  constructor(
    private readonly ctx: StudioContext,
    private readonly jobs: JobsService,
    /** Resolves when every call under way has settled (the studio entry tracks them). */
    private readonly callsSettled: () => Promise<void>,
  ) {}

  async create(dir: string, name: string | undefined): Promise<ProjectInfo> {
    return this.adopt(await ProjectStore.create(dir, name), true);
  }

  async open(dir: string): Promise<ProjectInfo> {
    const cur = this.ctx.project;
    if (cur && path.resolve(dir) === cur.dir) return this.ctx.projectInfo(cur);
    return this.adopt(await ProjectStore.open(dir), false);
  }

  current(): ProjectInfo | null {
    return this.ctx.project ? this.ctx.projectInfo(this.ctx.project) : null;
  }

  listRecent(): RecentProject[] {
    return this.ctx.settings.recent();
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

// The studio's services, built once over one shared context. Each owns one concern; they hold each other only in
// the direction of use (projects → jobs → takes; media → timeline), and what jobs hold is read through the kinds table.

import type { StudioContext } from '../context';
import { CloneService } from './clone';
import { EnginesService } from './engines';
import { ExportService } from './export';
import { HistoryService } from './history';
import { exportKind } from './jobs/export';
import { JobKinds } from './jobs/kinds';
import { JobsService } from './jobs/service';
import { MediaService } from './media';
import { ModelsService } from './models';
import { ProjectsService } from './projects';
import { TakesService } from './takes';
import { TimelineService } from './timeline';

export interface Services {
  projects: ProjectsService;
  timeline: TimelineService;
  takes: TakesService;
  media: MediaService;
  jobs: JobsService;
  history: HistoryService;
  export: ExportService;
  engines: EnginesService;
  models: ModelsService;
  clone: CloneService;
}

export function createServices(ctx: StudioContext, callsSettled: () => Promise<void>): Services {
  const kinds = new JobKinds();
  const engines = new EnginesService(ctx);
  const takes = new TakesService(ctx, kinds);
  const timeline = new TimelineService(ctx, kinds);
  const jobs = new JobsService(ctx, kinds, takes, engines);
  jobs.register(exportKind(ctx));
  return {
    projects: new ProjectsService(ctx, jobs, callsSettled),
    timeline,
    takes,
    media: new MediaService(ctx, timeline),
    jobs,
    history: new HistoryService(ctx, kinds),
    export: new ExportService(ctx, jobs),
    engines,
    // An installed, checked or removed pack can change what the model host's engines offer (EditX appears once a
    // usable pack is installed): the engine picker asks again.
    models: new ModelsService(ctx, () => engines.invalidate()),
    clone: new CloneService(ctx, jobs, engines, timeline),
  };
}

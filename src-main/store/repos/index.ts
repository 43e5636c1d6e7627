// The repositories of one open project, sharing one statement cache: every SQL statement of the studio lives in
// one of them (history in ../history.ts).

import { ClipsRepo } from './clips';
import { JobsRepo } from './jobs';
import { MediaRepo } from './media';
import { ProjectRepo } from './project';
import { TakesRepo } from './takes';
import { TracksRepo } from './tracks';
import type { Statements } from '../statements';

export interface Repos {
  project: ProjectRepo;
  media: MediaRepo;
  tracks: TracksRepo;
  clips: ClipsRepo;
  takes: TakesRepo;
  jobs: JobsRepo;
}

export function createRepos(sql: Statements): Repos {
  return {
    project: new ProjectRepo(sql),
    media: new MediaRepo(sql),
    tracks: new TracksRepo(sql),
    clips: new ClipsRepo(sql),
    takes: new TakesRepo(sql),
    jobs: new JobsRepo(sql),
  };
}

export type { NewClip } from './clips';
export type { NewTake } from './takes';

// How components reach the controllers: a typed set/get pair per controller over Svelte context, each with its own
// symbol key so none can clash. The root component provides them all from the composition root; a getter called
// outside that tree throws, naming what is missing, instead of handing back undefined.

import { getContext, setContext } from 'svelte';
import type { AppControllers } from './app.svelte';
import type { ArrangementController } from './arrangement.svelte';
import type { AuditionController } from './audition.svelte';
import type { CloneController } from './clone.svelte';
import type { ConnectionController } from './connection.svelte';
import type { EditForm } from './edit-form.svelte';
import type { EnginesController } from './engines.svelte';
import type { ErrorsController } from './errors.svelte';
import type { ExportController } from './export.svelte';
import type { HistoryController } from './history.svelte';
import type { ImportExportController } from './import-export.svelte';
import type { InputController } from './input.svelte';
import type { JobsController } from './jobs.svelte';
import type { ModelsController } from './models.svelte';
import type { PeaksCache } from './peaks.svelte';
import type { LayoutController } from './layout.svelte';
import type { FolderBrowser } from './folders.svelte';
import type { Signal } from './disposables';
import type { PlaybackController } from './playback.svelte';
import type { ProjectController } from './project.svelte';
import type { RegionController } from './region.svelte';
import type { SelectionController } from './selection.svelte';
import type { TakesController } from './takes.svelte';
import type { TranscriptsController } from './transcripts.svelte';
import type { TimelineController } from '../timeline/timeline.svelte';
import type { TransportController } from '../timeline/transport.svelte';

function pair<T>(name: string): [set: (value: T) => T, get: () => T] {
  const key = Symbol(`retake.${name}`);
  return [
    (value) => setContext(key, value),
    () => {
      const value = getContext<T | undefined>(key);
      if (value === undefined) throw new Error(`No ${name} controller in context: the component is outside the app's tree.`);
      return value;
    },
  ];
}

export const [setConnection, getConnection] = pair<ConnectionController>('connection');
export const [setErrors, getErrors] = pair<ErrorsController>('errors');
export const [setProject, getProject] = pair<ProjectController>('project');
export const [setEngines, getEngines] = pair<EnginesController>('engines');
export const [setHistory, getHistory] = pair<HistoryController>('history');
export const [setArrangement, getArrangement] = pair<ArrangementController>('arrangement');
export const [setSelection, getSelection] = pair<SelectionController>('selection');
export const [setTimeline, getTimeline] = pair<TimelineController>('timeline');
export const [setTakes, getTakes] = pair<TakesController>('takes');
export const [setJobs, getJobs] = pair<JobsController>('jobs');
export const [setEditForm, getEditForm] = pair<EditForm>('edit form');
export const [setAudition, getAudition] = pair<AuditionController>('audition');
export const [setPlayback, getPlayback] = pair<PlaybackController>('playback');
export const [setPeaks, getPeaks] = pair<PeaksCache>('peaks');
export const [setImportExport, getImportExport] = pair<ImportExportController>('import/export');
export const [setInput, getInput] = pair<InputController>('input');
export const [setModels, getModels] = pair<ModelsController>('models');
export const [setTransport, getTransport] = pair<TransportController>('transport');
export const [setLayout, getLayout] = pair<LayoutController>('layout');
export const [setFolders, getFolders] = pair<FolderBrowser>('folders');
export const [setPickFiles, getPickFiles] = pair<Signal>('file picker request');
export const [setRegion, getRegion] = pair<RegionController>('region');
export const [setExports, getExports] = pair<ExportController>('export');
export const [setTranscripts, getTranscripts] = pair<TranscriptsController>('transcripts');
export const [setClone, getClone] = pair<CloneController>('clone');

/** Provides every controller to the component tree (called once, by the root component). */
export function provideControllers(c: AppControllers): void {
  setConnection(c.connection);
  setErrors(c.errors);
  setProject(c.project);
  setEngines(c.engines);
  setHistory(c.history);
  setArrangement(c.arrangement);
  setSelection(c.selection);
  setTimeline(c.timeline);
  setTakes(c.takes);
  setJobs(c.jobs);
  setEditForm(c.form);
  setAudition(c.audition);
  setPlayback(c.audition.playback);
  setPeaks(c.peaks);
  setImportExport(c.transfer);
  setInput(c.input);
  setModels(c.models);
  setTransport(c.transport);
  setLayout(c.layout);
  setFolders(c.folders);
  setPickFiles(c.pickFiles);
  setRegion(c.region);
  setExports(c.exports);
  setTranscripts(c.transcripts);
  setClone(c.clone);
}

// The contract's method table, implemented: each method of src-main/contract/methods.ts mapped to the service that
// owns it. Typed with the contract's `Handlers`, so a method missing here is a compile error.

import type { Handlers } from '../contract';
import type { Services } from './services';

export function handlersFor(s: Services): Handlers {
  return {
    'project.create': async (p) => s.projects.create(p.dir, p.name),
    'project.open': async (p) => s.projects.open(p.dir),
    'project.current': async () => s.projects.current(),
    'project.listRecent': async () => s.projects.listRecent(),
    'project.close': async () => {
      await s.projects.close();
      return null;
    },
    'project.removeRecent': async (p) => s.projects.removeRecent(p.dir),
    'project.setSettings': async (p) => s.projects.setSettings(p),
    'files.browse': async (p) => s.projects.browse(p.dir),
    'timeline.get': async () => s.timeline.get(),
    'media.import': async (p) => s.media.import(p),
    'media.importMany': async (p) => s.media.importMany(p),
    'media.cancelImport': async (p) => s.media.cancelImport(p.importId),
    'media.peaks': async (p) => s.media.peaks(p.hash, p.buckets ?? 1000),
    'tracks.add': async (p) => s.timeline.addTrack(p.name),
    'tracks.rename': async (p) => s.timeline.renameTrack(p.trackId, p.name),
    'tracks.delete': async (p) => s.timeline.deleteTrack(p.trackId),
    'tracks.reorder': async (p) => s.timeline.reorderTrack(p.trackId, p.index),
    'tracks.setMix': async (p) => s.timeline.setMix(p),
    'clips.add': async (p) => s.timeline.addClip(p),
    'clips.move': async (p) => s.timeline.move(p),
    'clips.trim': async (p) => s.timeline.trim(p),
    'clips.setTranscript': async (p) => s.timeline.setTranscript(p.clipId, p.text),
    'transcripts.import': async (p) => s.timeline.importScript(p),
    'clips.split': async (p) => s.timeline.split(p.clipId, p.at),
    'clips.delete': async (p) => s.timeline.delete(p.clipId),
    'clips.moveMany': async (p) => s.timeline.moveMany(p.moves),
    'clips.deleteMany': async (p) => s.timeline.deleteMany(p.clipIds),
    'clips.copy': async (p) => s.timeline.copy(p),
    'takes.list': async (p) => s.takes.list(p.clipId),
    'takes.setActive': async (p) => s.takes.setActive(p.clipId, p.takeId),
    'takes.star': async (p) => s.takes.star(p.takeId, p.starred),
    'takes.rename': async (p) => s.takes.rename(p.takeId, p.name),
    'jobs.submit': async (p) => s.jobs.submit(p),
    'edits.plan': async (p) => s.jobs.plan(p),
    'clone.submit': async (p) => s.clone.submit(p),
    'jobs.cancel': async (p) => s.jobs.cancel(p.jobId),
    'jobs.list': async (p) => s.jobs.list(p.clipId),
    'history.state': async () => s.history.state(),
    'history.undo': async () => s.history.undo(),
    'history.redo': async () => s.history.redo(),
    'engines.list': async () => s.engines.list(),
    'export.start': async (p) => s.export.start(p),
    'export.clip': async (p) => s.export.clip(p.clipId, p.format),
    'models.list': async () => s.models.list(),
    'models.install': async (p) => s.models.install(p),
    'models.verify': async (p) => s.models.verify(p.name),
    'models.remove': async (p) => {
      await s.models.remove(p.name);
      return null;
    },
    'models.cancel': async (p) => s.models.cancel(p.jobId),
    'settings.get': async () => s.models.settings(),
    'settings.set': async (p) => s.models.setSettings(p),
    'runtime.providers': async () => s.models.providers(),
    'runtime.setupGpu': async () => s.models.setupGpu(),
  };
}

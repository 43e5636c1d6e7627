// `npm run mutation -- MODULE`: StrykerJS over one module and its tests (see stryker.config.mjs), run at low priority
// because it keeps a core busy for minutes. Prints the score (killed + timed out over all valid mutants); the HTML and
// JSON reports go to reports/mutation/.
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const name = process.argv[2] ?? '';
process.env.RETAKE_MUTATION_MODULE = name;
try {
  await import('../stryker.config.mjs'); // throws, naming the modules, when `name` is not one of them
} catch (e) {
  console.error(`Usage: npm run mutation -- MODULE. ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
// Stryker 10 refuses Node 20 when its package entry is loaded (the entry also loads its command line, which checks
// for Node 22), although the mutation run itself works on Node 20. Its Stryker class is loaded from its own file so
// that the project's Node (≥ 20.19, package.json engines) suffices.
os.setPriority(15);
process.chdir(root);
// Stryker runs the tests in .stryker-tmp/sandbox-*/, where the corpus the tests reach as ../shared/corpus is missing:
// link .stryker-tmp/shared to the real one beside the repository.
const shared = path.resolve(root, '..', 'shared');
const link = path.join(root, '.stryker-tmp', 'shared');
if (existsSync(shared) && !existsSync(link)) {
  mkdirSync(path.dirname(link), { recursive: true });
  symlinkSync(shared, link, 'dir');
}
let Stryker;
try {
  const core = path.join(root, 'node_modules', '@stryker-mutator', 'core', 'dist', 'src', 'stryker.js');
  ({ Stryker } = await import(pathToFileURL(core).href));
} catch (e) {
  console.error(`Could not load Stryker (${e instanceof Error ? e.message : String(e)}); install @stryker-mutator/core and @stryker-mutator/vitest-runner.`);
  process.exit(1);
}
const { default: options } = await import('../stryker.config.mjs');
const results = await new Stryker(options).runMutationTest();
const valid = results.filter((r) => !['Ignored', 'CompileError', 'RuntimeError'].includes(r.status));
const killed = valid.filter((r) => r.status === 'Killed' || r.status === 'Timeout').length;
// Static mutants (in values computed once at module load, e.g. constant tables) are ignored (stryker.config.mjs).
const ignoredStatic = results.filter((r) => r.static && r.status === 'Ignored').length;
console.log(
  `mutation score ${name}: ${valid.length > 0 ? ((100 * killed) / valid.length).toFixed(2) : '–'} % ` +
    `(${killed} of ${valid.length} mutants killed or timed out; ${ignoredStatic} static mutants ignored)`,
);

// StrykerJS mutation testing, one module at a time: `npm run mutation -- MODULE` (scripts/mutation.mjs sets
// RETAKE_MUTATION_MODULE). Each module names the files mutated and the test files that must kill the mutants, so a
// score says how well that module's own tests catch deliberate bugs. Reports go to reports/mutation/MODULE.html.

/** Module → files to mutate and the tests run against them. */
export const MODULES = {
  auth: { mutate: ['src-main/shells/web/auth.ts'], testFiles: ['test/unit/web/auth.test.ts'] },
  sampler: {
    mutate: ['src-main/engines/editx/lm/sampler.ts'],
    testFiles: ['test/unit/editx-lm/sampler.test.ts', 'test/unit/editx-lm/decode.test.ts'],
  },
  loudness: { mutate: ['src-main/audio/analysis/loudness.ts'], testFiles: ['test/unit/analysis/loudness.test.ts'] },
  wav: { mutate: ['src-main/audio/wav.ts'], testFiles: ['test/unit/audio/wav.test.ts'] },
  history: { mutate: ['src-main/store/history.ts'], testFiles: ['test/unit/store/history.test.ts'] },
  prompt: {
    mutate: ['src-main/engines/editx/prompt/*.ts'],
    testFiles: ['test/unit/editx-prompt/*.test.ts'],
    // The prompt tests check ids against the tiny pack's tokenizer (bash tools/export/run-tests.sh --pack-only).
    needsTinyPack: true,
  },
};

const name = process.env.RETAKE_MUTATION_MODULE;
const module = name ? MODULES[name] : undefined;
if (!module) {
  throw new Error(`Set RETAKE_MUTATION_MODULE to one of: ${Object.keys(MODULES).join(', ')} (npm run mutation -- MODULE).`);
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.config.ts', related: false },
  mutate: module.mutate,
  testFiles: module.testFiles,
  // Two cores shared with other work: one test process at a time.
  concurrency: 1,
  coverageAnalysis: 'perTest',
  // The vitest runner (10.1.1 with vitest 4.1) does not re-evaluate modules for static mutants: all of them survive,
  // even ones the tests demonstrably kill (history's column table emptied fails every history test when done by
  // hand). They are left out rather than counted as survivors.
  ignoreStatic: true,
  // A mutant that loops forever is detected after this much more than the unmutated run took.
  timeoutMS: 5_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // The sandbox copies what the tests read; generated fixtures and the build are not needed by these unit tests.
  ignorePatterns: ['dist', 'build', 'reports', 'bench/results', 'test/e2e', 'test/integration', ...(module.needsTinyPack ? [] : ['test/fixtures/generated'])],
};

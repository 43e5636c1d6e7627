// Lint, run by `npm run lint` inside `npm test`: any finding fails the build. Recommended rules of ESLint,
// typescript-eslint and eslint-plugin-svelte, plus `retake/layers` (tools/lint/layers.mjs): the import direction
// between folders, declared once below.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';
import retake from './tools/lint/layers.mjs';

const root = path.dirname(fileURLToPath(import.meta.url));

// Layers by folder (or file). The longest matching prefix names a file's layer.
const layers = {
  contract: ['src-main/contract'],
  store: ['src-main/store'],
  audio: ['src-main/audio'],
  onnx: ['src-main/onnx'],
  // What the studio and shells may know of engines: the interface, the request check, and the host's client side.
  'engine-api': ['src-main/engines/types.ts', 'src-main/engines/check.ts', 'src-main/engines/host/client.ts', 'src-main/engines/host/protocol.ts', 'src-main/engines/host/router.ts'],
  engines: ['src-main/engines'],
  studio: ['src-main/studio'],
  'shell-common': ['src-main/shells/common'],
  'shell-web': ['src-main/shells/web'],
  'shell-electron': ['src-main/shells/electron'],
  cli: ['src-main/cli'],
  common: ['src-main/paths.ts', 'src-main/settings-file.ts'],
  renderer: ['src-renderer'],
};

const layering = {
  root,
  layers,
  allow: {
    contract: [],
    store: ['contract'],
    audio: ['contract', 'onnx', 'common'],
    onnx: ['contract', 'common'],
    'engine-api': ['contract', 'audio'],
    engines: ['contract', 'audio', 'onnx', 'engine-api', 'common'],
    studio: ['contract', 'store', 'audio', 'engine-api', 'common'],
    'shell-common': ['contract', 'studio', 'engine-api', 'common'],
    'shell-web': ['contract', 'studio', 'engine-api', 'common', 'shell-common'],
    'shell-electron': ['contract', 'studio', 'engine-api', 'common', 'shell-common', 'store'],
    cli: ['contract', 'audio', 'onnx', 'engines', 'engine-api', 'common', 'studio', 'store'],
    common: [],
    renderer: [],
  },
  // The renderer sees the contract's types and nothing else of the main side.
  typeOnly: { renderer: ['contract'] },
  packages: {
    electron: ['shell-electron'],
    'better-sqlite3': ['store', 'shell-electron'],
    // The contract's schemas; the model-pack manifest is validated as strictly (engines/editx/pack); the studio's
    // job specs are checked when read back from the database (studio/services/jobs).
    zod: ['contract', 'engines', 'studio'],
    // One import site of the runtime: src-main/onnx (lazy import, providers, spec checks, registry).
    'onnxruntime-node': ['onnx'],
    'onnxruntime-common': ['onnx'],
    ws: ['shell-web'],
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'src-main/audio/wasm/assembly/**', 'node_modules/**', 'test/fixtures/**', 'tools/export/**', 'build/**', 'out/**', 'bench/results/**', 'reports/**', '.stryker-tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    plugins: { retake },
    rules: {
      'retake/layers': ['error', layering],
      // Controllers keep private caches (decoded players, listeners) in plain Maps and Sets on purpose: reactivity
      // is declared with $state where the UI reads it, and a reactive cache would re-render on every insert.
      'svelte/prefer-svelte-reactivity': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // All SQL lives in the store's repositories (src-main/store/repos, history.ts): nothing else prepares statements.
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/store/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          // A statement is prepared from SQL text (a string or template literal) or on a database handle
          // (`db.prepare(sql)`); other `prepare` methods (a spectrogram preparing a frame) are not SQL.
          selector:
            "CallExpression[callee.type='MemberExpression'][callee.property.name='prepare']:matches([arguments.0.type='TemplateLiteral'], [arguments.0.raw=/^['\"]/], [callee.object.name=/^(db|database|sqlite)$/i], [callee.object.property.name=/^(db|database|sqlite)$/i])",
          message: 'SQL belongs in a repository of src-main/store/repos (named parameters, prepared once per database).',
        },
      ],
    },
  },
  {
    // Tests mutate model-pack manifests and other JSON as loose objects on purpose (to build broken ones).
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.svelte'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
);

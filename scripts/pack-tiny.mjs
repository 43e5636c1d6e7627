// `npm run pack:tiny [-- DIR]`: the tiny random-weight model pack (every part the exporter knows) in one command,
// through the Python exporter package with Debian's interpreter. Default DIR: test/fixtures/generated/tiny-pack.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2).map((a) => (a.startsWith('-') ? a : path.resolve(a)));
const r = spawnSync('/usr/bin/python3', ['-m', 'retake_export', 'pack', ...args], {
  stdio: 'inherit',
  env: { ...process.env, PYTHONPATH: path.join(root, 'tools', 'export'), PYTHONDONTWRITEBYTECODE: '1' },
});
if (r.error) {
  console.error(`pack:tiny: could not run /usr/bin/python3 (${r.error.message}); install python3-torch python3-torchaudio python3-onnx python3-sentencepiece python3-numpy python3-yaml.`);
  process.exit(1);
}
process.exit(r.status ?? 1);

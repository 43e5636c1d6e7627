// `retake analyze IN [--json]`: the measurements the app stores with every take, for one file.

import { decodeFile } from '../audio/decode';
import { analyze } from '../audio/analysis';
import { formatMetrics } from '../audio/analysis/format';
import { defineCommand, UsageError } from './table';

export const analyzeCommand = defineCommand({
  name: 'analyze',
  args: 'IN',
  options: { json: { type: 'boolean', usage: '[--json]' } },
  async run({ values, positionals, out, path }) {
    const input = positionals[0];
    if (!input || positionals.length > 1) throw new UsageError('analyze needs exactly one input file.');
    const metrics = await analyze(await decodeFile(path(input)));
    out(values.json ? JSON.stringify(metrics) : formatMetrics(metrics));
  },
});

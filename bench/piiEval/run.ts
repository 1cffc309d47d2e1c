/** `pnpm bench:pii:eval` (same as `pnpm bench:pii --eval-only`): the evaluation alone. */
import { evalOptionsFromArgs, runPiiEval } from './index.ts';

await runPiiEval(evalOptionsFromArgs(process.argv.slice(2)));

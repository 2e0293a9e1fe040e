// Preloaded into the action's Node process by the benchmark (NODE_OPTIONS=--import=...):
// on exit, writes the process's own peak RSS in KiB (getrusage RUSAGE_SELF: xdelta3 and
// other children are not counted; they are measured on their own).
import { writeFileSync } from 'node:fs';

const file = process.env.DG_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
}

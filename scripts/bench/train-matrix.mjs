// The release train's lower bound: for every (reference, file) pair a reference policy
// could use, the delta our engine would store (the uploader's own encoder: the plain
// delta and the archive-aware one, the smaller kept), and each file's cost as a new
// reference (its bytes plus its zero-diff delta). From that matrix, the cheapest schedule
// the format allows: each file is a new reference, or a delta against any reference of
// the same or an earlier version. No policy that decides file by file stores less.
//
//   node scripts/bench/train-matrix.mjs [--train=<name>] [--shard K/N] [--report]
//
// Compiles src/ with tsc into .bench/matrix-build/ (not the repo's dist/), fetches the
// train into .bench/train/ like `npm run bench -- --train`, and appends each measured
// pair to .bench/train-matrix.jsonl (a rerun resumes; delete it after changing the
// encoder). `--shard K/N` measures every Nth pair, for N processes side by side;
// `--report` only reports what is measured so far (pairs not yet measured: unusable).
//
// Pairs between the macOS arm64 line and the x64 lines are measured within a version
// only: they are 92-96% of the file there (another instruction set), drift only adds to
// that, and each costs a minute of encoding on a loaded machine. The others are skipped
// as unusable (cost: the file's size), which cannot change the bound while a file's own
// line is far cheaper.
import { appendFile } from 'node:fs/promises';
import { matrixOf, PAIRS, readPairs, trainFiles, uploaderEncoder } from './train-engine.mjs';
import { optimalSchedule } from './train-schedule.mjs';

const shardArg = process.argv.indexOf('--shard');
const [shard, shards] = shardArg > 0 ? process.argv[shardArg + 1].split('/').map(Number) : [0, 1];

const files = await trainFiles();
const measured = await readPairs(files);
const todo = pairs().filter(([j, i], k) => k % shards === shard && !measured.has(`${j} ${i}`));
const reportOnly = process.argv.includes('--report');
if (todo.length > 0 && !reportOnly) await measure(todo);
if (shards === 1 || reportOnly) report(matrixOf(files, await readPairs(files)));

/**
 * `[j, i]`: file j as the reference of file i (j === i: i's zero-diff delta), most
 * telling first: zero-diffs, a line against itself, the x64 lines against each other
 * (nearest versions first), the arm64 line against the x64 ones last (a rerun or a
 * report mid-way has the others).
 */
function pairs() {
  const arm = (f) => f.name.includes('darwin-arm64');
  const line = (f) => f.name.replace(/^[a-z]+-[0-9.]+-/, '');
  const rank = ([j, i]) =>
    j === i
      ? 0
      : line(files[j]) === line(files[i])
        ? 1
        : arm(files[j]) !== arm(files[i])
          ? 99
          : 2 + files[i].version - files[j].version;
  const list = [];
  for (const [i, fi] of files.entries())
    for (const [j, fj] of files.entries()) {
      if (fj.version > fi.version) continue;
      if (arm(fi) !== arm(fj) && fj.version !== fi.version) continue;
      list.push([j, i]);
    }
  return list.sort((a, b) => rank(a) - rank(b));
}

async function measure(todo) {
  const encoder = await uploaderEncoder();
  const locals = new Map();
  const local = async (k) => {
    if (!locals.has(k)) locals.set(k, await encoder.local(files[k].path));
    return locals.get(k);
  };
  for (const [j, i] of todo) {
    const bytes = await encoder.size(await local(i), await local(j));
    await appendFile(
      PAIRS,
      `${JSON.stringify({ ref: files[j].name, file: files[i].name, bytes })}\n`,
    );
    console.error(`${files[j].name} -> ${files[i].name}: ${bytes}`);
  }
  await encoder.dispose();
}

function report(m) {
  const mib = (b) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
  const plain = m.sizes.reduce((a, b) => a + b, 0);
  const line = (label, s) =>
    console.log(
      `${label}: ${mib(s.cost)} = ${((100 * s.cost) / plain).toFixed(1)}% of plain ` +
        `(${s.refs.length} references: ${s.refs.map((r) => m.names[r]).join(', ')})`,
    );
  console.log(`plain: ${mib(plain)} (${plain} bytes)`);
  line('optimal, any earlier file (same version too)', optimalSchedule(m, 'any'));
  line('optimal, references from earlier versions only', optimalSchedule(m, 'earlier'));
  line('optimal, own platform only', optimalSchedule(m, 'family'));
  // Not a schedule the format allows (a delta's reference is stored whole): each file a
  // delta against the release before it (three files a release), as if every file were
  // also a free reference.
  const chain = m.sizes.reduce((sum, size, i) => {
    const previous = m.delta[i - 3]?.[i];
    return sum + (i < 3 || previous == null ? m.refCost[i] : Math.min(size, previous));
  }, 0);
  console.log(
    `every file a delta against its line's previous release (not storable): ${mib(chain)} = ` +
      `${((100 * chain) / plain).toFixed(1)}% of plain`,
  );
  console.log('\ndelta / file size (rows: reference, columns: file)');
  const short = (name) => name.replace(/^[a-z]+-/, '').replace(/\.(tar\.gz|zip)$/, '');
  console.log(['ref \\ file', ...m.names.map(short)].join('\t'));
  for (const [j, row] of m.delta.entries())
    console.log(
      [
        short(m.names[j]),
        ...row.map((d, i) => (d === null ? '' : (d / m.sizes[i]).toFixed(2))),
      ].join('\t'),
    );
}

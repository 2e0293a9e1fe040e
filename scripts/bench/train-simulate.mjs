// The release train replayed on paper: the uploader's own reference decision
// (src/core/references/decide.ts, compiled) fed with the delta sizes train-matrix.mjs
// measured instead of fresh encodes, for many policies in seconds instead of half an
// hour of uploads each. Files go up one after another in upload order; with `--parallel`
// a file sees only the references of earlier steps (and reference.bin), as when a
// step's files go up side by side (the action's `concurrency`): a real run is between.
//
//   node scripts/bench/train-simulate.mjs [--train=<name>] [--parallel] [rotation ratios] [-- seed ratios]
//
// A pair the matrix lacks (the arm64 line against an x64 one across versions) costs the
// file's size, as such a delta does within a version (92-96%).
import { writeFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import {
  load,
  matrixOf,
  readPairs,
  trainCache,
  trainFiles,
  uploaderEncoder,
} from './train-engine.mjs';
import { optimalSchedule } from './train-schedule.mjs';

const { decideReference } = await load('core/references/decide.js');
const { familyOf } = await load('core/references/family.js');
const { DEFAULT_REFERENCE_POLICY, SINGLE_REFERENCE } = await load('core/references/choose.js');

const files = await trainFiles();
const m = matrixOf(files, await readPairs(files));
const sketches = await sketchesOf(files);
const plain = m.sizes.reduce((a, b) => a + b, 0);
const parallel = process.argv.includes('--parallel');
const args = process.argv.slice(2).filter((a) => a !== '--parallel' && !a.startsWith('--train='));
const split = args.indexOf('--');
const rotations = (split < 0 ? args : args.slice(0, split)).map(Number);
const seeds = split < 0 ? [] : args.slice(split + 1).map(Number);

const rows = [['single', SINGLE_REFERENCE]];
rows.push(['defaults', DEFAULT_REFERENCE_POLICY]);
for (const rotationRatio of rotations.length ? rotations : [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1])
  for (const seedRatio of seeds.length ? seeds : [rotationRatio, 0.05, 0.1, 0.2, 0.3])
    rows.push([
      `rotation ${rotationRatio}, seed ${seedRatio}`,
      { ...DEFAULT_REFERENCE_POLICY, rotationRatio, seedRatio },
    ]);
const optimal = optimalSchedule(m, 'any');
console.log(
  `plain ${plain} bytes; optimal ${pct(optimal.cost)} with ${optimal.refs.length} references`,
);
for (const [label, policy] of rows) {
  const run = await replay(policy);
  console.log(
    `${label.padEnd(28)} ${pct(run.cost)}  ${run.refs.length} references: ${run.refs.map(short).join(' ')}`,
  );
}

function pct(bytes) {
  return `${((100 * bytes) / plain).toFixed(1)}%`;
}

function short(i) {
  return m.names[i].replace(/^[a-z]+-/, '').replace(/\.(tar\.gz|zip)$/, '');
}

/** What the bucket holds after the train under `policy`, and which files became references. */
async function replay(policy) {
  const refs = [];
  const made = [];
  let cost = 0;
  for (const [i, file] of files.entries()) {
    const info = {
      key: file.name,
      sha256: String(i).padStart(64, '0'),
      size: file.size,
      root: i === 0,
      family: familyOf(file.name),
      sketch: sketches[i],
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    };
    const become = () => {
      refs.push(info);
      made.push(i);
      cost += m.refCost[i];
    };
    if (i === 0) {
      become();
      continue;
    }
    if (policy.mode === 'single') {
      cost += Math.min(file.size, m.delta[0][i] ?? file.size);
      continue;
    }
    const visible = parallel
      ? refs.filter((r) => r.root || files.find((f) => f.name === r.key).version < file.version)
      : refs;
    const decided = await decideReference(
      policy,
      visible,
      { name: file.name, size: file.size, encodedSize: file.expandedSize },
      sketches[i],
      async (candidate) => {
        const j = files.findIndex((f) => f.name === candidate.ref.key);
        return { size: m.delta[j][i] ?? file.size, dispose: async () => {} };
      },
    );
    if (decided.newReference) become();
    else cost += Math.min(file.size, decided.best?.size ?? file.size);
  }
  return { cost, refs: made };
}

/** Each file's content sketch, as the uploader makes it (of the expanded form). */
async function sketchesOf(list) {
  const cache = trainCache('train-sketches', 'json');
  if (existsSync(cache)) {
    const saved = JSON.parse(await readFile(cache, 'utf8'));
    for (const [i, f] of list.entries()) f.expandedSize = saved.expandedSizes[i];
    return saved.sketches;
  }
  const { FileSketcher } = await load('adapters/content-sketcher.js');
  const sketcher = new FileSketcher();
  const encoder = await uploaderEncoder();
  const out = [];
  for (const f of list) {
    const local = await encoder.local(f.path);
    f.expandedSize = local.expanded?.size ?? local.size;
    out.push(await sketcher.sketchFile(local.expanded?.path ?? local.path));
  }
  await encoder.dispose();
  const expandedSizes = list.map((f) => f.expandedSize);
  await writeFile(cache, JSON.stringify({ sketches: out, expandedSizes }));
  return out;
}

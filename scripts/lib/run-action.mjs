// Runs a bundle of the action (dist/main or dist/post) the way the GitHub runner does:
// inputs as INPUT_* variables, outputs and the job summary through the files named by
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY, state from main to post through GITHUB_STATE.
// Used by the end-to-end tests and by `npm run demo`.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The built bundles: `dist/` of the repository, or `DG_DIST` (a build made elsewhere,
 * e.g. `ncc build src/index.ts -o /tmp/build/main`, so a benchmark never writes `dist/`).
 */
export function distRoot() {
  return process.env.DG_DIST || join(ROOT, 'dist');
}

/** Parses the `name<<DELIMITER ... DELIMITER` blocks (and `name=value` lines) of a runner file. */
export function parseRunnerFile(text) {
  const values = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const body = [];
      while (++i < lines.length && lines[i] !== delimiter) body.push(lines[i]);
      values[name] = body.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      values[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return values;
}

/**
 * Runs `dist/<phase>/index.js` with the given inputs. `runner` carries what a job shares
 * across its steps (RUNNER_TEMP, the state file), so main and post of one job can be run
 * one after the other with the same object; `newJob()` makes one. `onSpawn` receives the
 * child process as soon as it runs.
 */
export async function runAction(
  phase,
  inputs,
  { runner, env = {}, node = process.execPath, onSpawn } = {},
) {
  const job = runner ?? (await newJob());
  const outputFile = join(job.dir, `output-${phase}-${Date.now()}`);
  const summaryFile = join(job.dir, `summary-${phase}-${Date.now()}`);
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const inputEnv = {};
  for (const [name, value] of Object.entries(inputs)) {
    inputEnv[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  // GITHUB_STATE is written by main (core.saveState) and read back by post as STATE_*.
  const state = phase === 'post' ? parseRunnerFile(await readFile(job.stateFile, 'utf8')) : {};
  const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
  const child = spawn(node, [join(distRoot(), phase, 'index.js')], {
    cwd: job.workspace,
    env: {
      ...process.env,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: job.workspace,
      RUNNER_TEMP: job.temp,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_STATE: job.stateFile,
      ...inputEnv,
      ...stateEnv,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Lets a test act on the running step (send it a signal).
  onSpawn?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  return {
    code,
    stdout,
    stderr,
    outputs: parseRunnerFile(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
    job,
  };
}

/** A simulated job: its own workspace, RUNNER_TEMP and state file. */
export async function newJob(base) {
  const dir = await mkdtemp(join(base ?? tmpdir(), 'dg-job-'));
  const job = {
    dir,
    workspace: join(dir, 'workspace'),
    temp: join(dir, 'runner-temp'),
    stateFile: join(dir, 'state'),
  };
  await mkdir(job.workspace, { recursive: true });
  await mkdir(job.temp, { recursive: true });
  await writeFile(job.stateFile, '');
  return job;
}

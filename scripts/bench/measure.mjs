// Wall time and peak RSS of each process the benchmark runs, measured one process at a
// time (never a sum or a max over a tree, which would hide whose memory it is):
// - plain transfers and bare xdelta3: GNU time's %M (the process runs no children);
// - the action's Node process: getrusage(RUSAGE_SELF), written at exit by rss-hook.mjs;
// - the xdelta3 processes the action starts: a wrapper given as `xdelta3-path` that runs
//   the real binary under GNU time and records its arguments;
// - the local S3 server: VmHWM from /proc (reset before each case with clear_refs).
import { spawn } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export const GNU_TIME = '/usr/bin/time';
export const RSS_HOOK = new URL('./rss-hook.mjs', import.meta.url);

/** Absolute path of an executable on PATH, or undefined. */
export function which(command) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return join(dir, command);
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/** Runs `command` under GNU time: `{ wallS, rssKiB }`; rejects with its output when it fails. */
export async function timed(command, args, { cwd, env } = {}) {
  const timeFile = join(
    process.env.DG_BENCH_TMP ?? '/tmp',
    `time-${process.pid}-${Math.random().toString(36).slice(2)}`,
  );
  const started = performance.now();
  const { code, output } = await spawnCollect(
    GNU_TIME,
    ['-f', '%e %M', '-o', timeFile, command, ...args],
    { cwd, env },
  );
  const wallS = (performance.now() - started) / 1000;
  const [, rss] = (await readFile(timeFile, 'utf8').catch(() => '')).trim().split(/\s+/);
  await rm(timeFile, { force: true });
  if (code !== 0)
    throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.slice(-3000)}`);
  return { wallS, rssKiB: Number(rss) };
}

function spawnCollect(command, args, { cwd, env }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk).slice(-20_000);
    };
    child.stdout.setEncoding('utf8').on('data', keep);
    child.stderr.setEncoding('utf8').on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * Writes a stand-in for xdelta3 that runs `realBinary` under GNU time, leaving per run
 * `<pid>.args` (its arguments, one per line) and `<pid>.time` ("wall rss") in `logDir`.
 */
export async function writeXdelta3Wrapper(dir, realBinary, logDir) {
  await mkdir(logDir, { recursive: true });
  const path = join(dir, 'xdelta3-timed');
  await writeFile(
    path,
    [
      '#!/bin/sh',
      `log="${logDir}/$$"`,
      `printf '%s\\n' "$@" > "$log.args"`,
      `exec ${GNU_TIME} -f '%e %M' -o "$log.time" ${realBinary} "$@"`,
      '',
    ].join('\n'),
  );
  await chmod(path, 0o755);
  return path;
}

/** The encode/decode/recode runs the wrapper recorded since the last call (which it clears). */
export async function takeXdelta3Runs(logDir) {
  const runs = [];
  for (const name of await readdir(logDir)) {
    if (!name.endsWith('.args')) continue;
    const base = join(logDir, name.slice(0, -'.args'.length));
    const args = (await readFile(`${base}.args`, 'utf8')).split('\n').slice(0, -1);
    const [wall, rss] = (await readFile(`${base}.time`, 'utf8').catch(() => ''))
      .trim()
      .split(/\s+/);
    if (args.includes('-e') || args.includes('-d') || args[0] === 'recode') {
      runs.push({ args, wallS: Number(wall), rssKiB: Number(rss) });
    }
  }
  await rm(logDir, { recursive: true, force: true });
  await mkdir(logDir, { recursive: true });
  return runs;
}

/** PIDs of this process's descendants whose command line contains `needle`. */
export function descendantsMatching(needle) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the ppid follows the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const isDescendant = (pid) => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) {
      if (p === process.pid) return true;
    }
    return false;
  };
  return [...parents.keys()].filter((pid) => {
    if (!isDescendant(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
    } catch {
      return false;
    }
  });
}

/** Peak RSS (VmHWM) of a process in KiB, or undefined. */
export function peakRssKiB(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Resets a process's VmHWM to its current RSS (Linux: clear_refs 5); false if not allowed. */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The Node RSS the hook wrote, in KiB. */
export function readHookRss(file) {
  return existsSync(file) ? Number(readFileSync(file, 'utf8')) : undefined;
}

// The reference DeltaGlider CLI (Python, v6.1.2, in ../shared/deltaglider-cli) as a
// test oracle: objects we write must read back with it, and objects it writes must
// read back with us. It is never bundled. Tests skip (with a printed reason) where
// python3 or its modules are missing; `.ci/run` installs them on a fresh machine.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const MODULES = 'boto3, click, cryptography, dateutil, requests';
/** Imports the modules, and fails on a boto3 older than 1.36 (Debian 12's), which the CLI cannot use. */
const MODULES_CHECK = `import ${MODULES}
from botocore.config import Config
Config(request_checksum_calculation="when_required")`;

/**
 * The reference CLI's folder: DELTAGLIDER_CLI_DIR, else the first `shared/deltaglider-cli`
 * beside the checkout or one of its parents (a worktree sits deeper than the main one).
 */
function referenceCliDir(): string {
  if (process.env.DELTAGLIDER_CLI_DIR) return path.resolve(process.env.DELTAGLIDER_CLI_DIR);
  let dir = path.resolve(here, '../..');
  for (;;) {
    const candidate = path.join(dir, '..', 'shared', 'deltaglider-cli');
    if (existsSync(candidate) || path.dirname(dir) === dir) return candidate;
    dir = path.dirname(dir);
  }
}

/**
 * The command that starts the CLI: DELTAGLIDER_CLI (e.g. a pip-installed `deltaglider`),
 * else its source run by the first Python that imports its modules: DELTAGLIDER_PYTHON,
 * `python3` on PATH, then /usr/bin/python3 (where Debian's python3-boto3 & co. go).
 */
function referenceCliCommand():
  { command: string; args: string[]; env: NodeJS.ProcessEnv } | string {
  if (process.env.DELTAGLIDER_CLI)
    return { command: process.env.DELTAGLIDER_CLI, args: [], env: {} };
  const dir = referenceCliDir();
  const src = path.join(dir, 'src');
  if (!existsSync(path.join(src, 'deltaglider'))) return `reference CLI not found at ${dir}`;
  const pythons = [process.env.DELTAGLIDER_PYTHON, 'python3', '/usr/bin/python3'].filter(
    (p): p is string => Boolean(p),
  );
  const failures: string[] = [];
  for (const python of pythons) {
    const probe = spawnSync(python, ['-c', MODULES_CHECK], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (probe.status === 0) {
      return {
        command: python,
        args: ['-c', 'from deltaglider.app.cli.main import main; main()'],
        env: { PYTHONPATH: src },
      };
    }
    const why = (probe.stderr || probe.error?.message || '').trim().split('\n').slice(-1)[0];
    failures.push(`${python}: ${why}`);
  }
  return `no Python with ${MODULES} (boto3 >= 1.36): ${failures.join('; ')}`;
}

type Launch = { command: string; args: string[]; env: NodeJS.ProcessEnv };
let launch: Launch | undefined;
let availability: { ok: true } | { ok: false; reason: string } | undefined;

/** Whether the oracle can run here; the reason is printed once by the caller when not. */
export function referenceCliAvailability(): { ok: true } | { ok: false; reason: string } {
  if (availability) return availability;
  const found = referenceCliCommand();
  if (typeof found === 'string') {
    availability = { ok: false, reason: found };
    return availability;
  }
  const probe = spawnSync(found.command, [...found.args, '--version'], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...found.env },
  });
  if (probe.status === 0) {
    launch = found;
    availability = { ok: true };
  } else {
    const why = (probe.stderr || probe.error?.message || '').trim().split('\n').slice(-1)[0];
    availability = { ok: false, reason: `reference CLI does not start: ${why}` };
  }
  return availability;
}

export interface ReferenceCliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the reference CLI against `endpoint` (a local S3) with dummy credentials. */
export function runReferenceCli(
  endpoint: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ReferenceCliResult> {
  return new Promise((resolve, reject) => {
    if (!launch && !referenceCliAvailability().ok) {
      reject(new Error('The reference CLI is not available: check referenceCliAvailability()'));
      return;
    }
    const { command, args: head, env } = launch!;
    const child = spawn(command, [...head, ...args], {
      cwd: options.cwd,
      env: {
        ...env,
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_DEFAULT_REGION: 'us-east-1',
        DG_LOG_LEVEL: 'WARNING',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

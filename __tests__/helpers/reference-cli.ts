// The reference DeltaGlider CLI (Python, v6.1.2, in ../shared/deltaglider-cli) as a
// test oracle: objects we write must read back with it, and objects it writes must
// read back with us. It is never bundled. Tests skip (with a printed reason) where
// python3 or its modules are missing; `.ci/run` installs them on a fresh machine.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The launcher; DELTAGLIDER_CLI overrides it (e.g. a pip-installed `deltaglider`). */
export const REFERENCE_CLI =
  process.env.DELTAGLIDER_CLI ??
  path.resolve(here, '../../../shared/deltaglider-cli/bin/deltaglider');

let availability: { ok: true } | { ok: false; reason: string } | undefined;

/** Whether the oracle can run here; the reason is printed once by the caller when not. */
export function referenceCliAvailability(): { ok: true } | { ok: false; reason: string } {
  if (availability) return availability;
  if (!existsSync(REFERENCE_CLI)) {
    availability = { ok: false, reason: `reference CLI not found at ${REFERENCE_CLI}` };
    return availability;
  }
  const probe = spawnSync(REFERENCE_CLI, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  availability =
    probe.status === 0
      ? { ok: true }
      : {
          ok: false,
          reason: `reference CLI does not start (python3 with boto3, click, cryptography, python-dateutil, requests needed): ${(probe.stderr || probe.error?.message || '').trim().split('\n').slice(-1)[0]}`,
        };
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
    const child = spawn(REFERENCE_CLI, args, {
      cwd: options.cwd,
      env: {
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

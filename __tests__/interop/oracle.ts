// Shared by the interop suites: runs our CLI bundle (dist/cli) and the reference
// DeltaGlider CLI against one local S3, and compares what both say about a bucket.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { referenceCliAvailability, runReferenceCli } from '../helpers/reference-cli.js';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const CLI_BUNDLE = join(ROOT, 'dist', 'cli', 'index.js');

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Why the oracle cannot run here (printed once by the suite), or undefined. It needs the
 * reference CLI with its Python modules and moto_server (or an S3_ENDPOINT): the smaller
 * fauxqs rejects bodies over 11 MiB and ignores the headers SSE needs.
 */
export function oracleUnavailable(): string | undefined {
  const cli = referenceCliAvailability();
  if (!cli.ok) return cli.reason;
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => existsSync(join(dir, 'moto_server')));
  if (!process.env.S3_ENDPOINT && !onPath) return 'moto_server is not on PATH';
  return undefined;
}

/** Runs the `deltaglider` CLI bundle (as users run it) against `endpoint`. */
export function runOurs(
  endpoint: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Run> {
  if (!existsSync(CLI_BUNDLE)) throw new Error(`${CLI_BUNDLE} is missing: run "npm run build"`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BUNDLE, ...args, '--endpoint-url', endpoint], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'us-east-1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export function runTheirs(endpoint: string, args: string[]): Promise<Run> {
  return runReferenceCli(endpoint, args, {
    // It logs every metric at WARNING level: errors only keep the output readable.
    env: { DG_LOG_LEVEL: 'ERROR' },
    timeoutMs: 240_000,
  });
}

/** Fails with both outputs when a run did not exit 0 (the message says which and why). */
export function ok(run: Run, what: string): Run {
  if (run.status !== 0) {
    throw new Error(`${what} exited with ${run.status}\n${run.stdout}\n${run.stderr}`);
  }
  return run;
}

/** The logical names the reference CLI's `ls` prints ("DATE TIME SIZE NAME" lines). */
export function theirNames(lsOutput: string): string[] {
  return lsOutput
    .split('\n')
    .map((line) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d+ (.+)$/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

/** The totals both `stats` commands report for a whole bucket. */
export interface BucketTotals {
  files: number;
  originalBytes: number;
  storedBytes: number;
}

export function ourTotals(statsJson: string): BucketTotals {
  const stats = JSON.parse(statsJson) as Record<string, number>;
  return {
    files: stats.files!,
    originalBytes: stats['original-bytes']!,
    storedBytes: stats['stored-bytes']!,
  };
}

export function theirTotals(statsJson: string): BucketTotals {
  const stats = JSON.parse(statsJson) as Record<string, number>;
  return {
    files: stats.object_count!,
    originalBytes: stats.total_size!,
    storedBytes: stats.compressed_size!,
  };
}

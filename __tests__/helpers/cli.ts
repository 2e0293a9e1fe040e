import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/output.js';
import { startS3Server, type S3TestServer } from './s3-server.js';

const MIB = 1024 * 1024;

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs the CLI in-process against a test server (`--endpoint-url`), with a cache
 * directory of the test's own; collects what it prints.
 */
export async function runCli(args: readonly string[], endpoint: string, cacheDir: string) {
  let out = '';
  let err = '';
  const io: Io = {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    isTty: false,
    env: process.env,
  };
  const code = await main([...args, '--endpoint-url', endpoint, '--cache-dir', cacheDir], io);
  return { code, out, err } satisfies CliRun;
}

export interface CliWork {
  server: S3TestServer;
  /** A temporary folder of the suite's own. */
  work: string;
  /** `in/app-1.zip`, a 3 MiB binary, and `in/app-2.zip`, its next version. */
  v1: string;
  v2: string;
}

/** The S3 server, a work folder and two releases: what the CLI suites start from. */
export async function openCliWork(prefix: string): Promise<CliWork> {
  const server = await startS3Server();
  const work = await mkdtemp(join(tmpdir(), prefix));
  await mkdir(join(work, 'in'));
  const v1 = join(work, 'in', 'app-1.zip');
  const v2 = join(work, 'in', 'app-2.zip');
  await writeArtifact(v1, 3 * MIB, 21);
  await writeNextVersion(v1, v2, { seed: 22 });
  return { server, work, v1, v2 };
}

/** Undoes openCliWork (whatever part of it was made). */
export async function closeCliWork(opened: Partial<CliWork>): Promise<void> {
  await opened.server?.stop();
  if (opened.work) await rm(opened.work, { recursive: true, force: true });
}

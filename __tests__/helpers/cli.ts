import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/output.js';

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

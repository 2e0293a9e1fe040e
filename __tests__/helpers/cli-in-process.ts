// The `deltaglider` CLI run in-process through `main(argv, io)` against a test S3 server,
// with a reference cache directory of the caller's choosing.
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/output.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runCliInProcess(
  endpoint: string,
  cacheDir: string,
  args: readonly string[],
): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    isTty: false,
    env: process.env,
  };
  const code = await main([...args, '--endpoint-url', endpoint, '--cache-dir', cacheDir], io);
  return { code, out, err };
}

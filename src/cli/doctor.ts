import { defaultCacheRoot } from '../app/create-app.js';
import { doctor, formatHealthCheck, inShellWords } from '../app/doctor.js';
import { parseS3Url } from '../core/s3-url.js';
import { defineCommand } from './command.js';
import { printJson } from './output.js';
import { storageOptions } from './session.js';
import { CLI_HINTS, CLI_SETTINGS } from './hints.js';

export const doctorCommand = defineCommand({
  name: 'doctor',
  summary: 'check xdelta3, access to a bucket and space for the reference cache',
  usage: ['deltaglider doctor [options] [s3://BUCKET[/PREFIX/]]'],
  description: `Runs the health checks, one line each:
  xdelta3  found (--xdelta3-path or PATH), its version, and a delta round trip works
  bucket   one listing page of the URL with the current credentials (nothing is written);
           skipped without a URL
  cache    the reference cache directory can be written and has at least 256 MiB free
Exits with 1 when a check fails.`,
  positionals: { min: 0, max: 1, what: 'at most one s3:// URL' },
  examples: [
    'deltaglider doctor s3://releases/app/',
    'deltaglider doctor --endpoint-url http://localhost:9000 s3://releases/',
  ],
  async run({ positionals, global, io }) {
    const url = positionals[0] === undefined ? undefined : parseS3Url(positionals[0]);
    const checks = await doctor({
      xdelta3Binary: global.xdelta3Path,
      cacheDir: global.cacheDir ?? defaultCacheRoot(),
      location: url && { bucket: url.bucket, prefix: url.key, storage: storageOptions(global) },
    });
    const ok = checks.every((check) => check.ok);
    const shown = checks.map((check) => inShellWords(check, CLI_SETTINGS, CLI_HINTS));
    if (global.json) {
      printJson(io, { ok, checks: shown });
    } else {
      for (const check of shown) io.out(`${formatHealthCheck(check)}\n`);
    }
    return ok ? 0 : 1;
  },
});

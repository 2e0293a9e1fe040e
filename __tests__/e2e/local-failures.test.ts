// The built bundle on a disk that fills up or cannot be written: one `::error::` that
// names the local path (and the bytes needed), says it is this machine's problem, and
// never calls the object corrupt; verify gives no FAILED verdict on the bucket.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { newJob, runAction, type SimulatedJob } from '../../scripts/lib/run-action.mjs';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { mountTmpfs, skipWithoutTmpfs } from '../helpers/tmpfs.js';
import { skipNote } from '../helpers/skip-note.js';

const MIB = 1024 * 1024;
const bundle = new URL('../../dist/main/index.js', import.meta.url);
const skip = skipWithoutTmpfs('local failures through the bundle');

let server: S3TestServer;
let bucket: string;
let job: SimulatedJob;
const unmounts: (() => void)[] = [];

function inputs(extra: Record<string, string>): Record<string, string> {
  return {
    'endpoint-url': server.endpoint,
    region: 'us-east-1',
    comment: 'never',
    cache: 'false',
    ...extra,
  };
}

function errorLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.startsWith('::error::'));
}

(skip ? describe.skip : describe)('local failures through the bundle', () => {
  beforeAll(async () => {
    if (!existsSync(bundle)) throw new Error('dist/main/index.js is missing: run `npm run build`');
    server = await startS3Server();
    bucket = await server.createBucket();
    job = await newJob();
    await mkdir(join(job.dir, 'in'));
    // v1 becomes the reference, v2 a small delta: 3 MiB each once rebuilt.
    const v1 = join(job.dir, 'in', 'app-1.bin');
    const v2 = join(job.dir, 'in', 'app-2.bin');
    await writeArtifact(v1, 3 * MIB, 11);
    await writeNextVersion(v1, v2, { seed: 12 });
    for (const file of [v1, v2]) {
      const run = await runAction('main', inputs({ path: file, 's3-url': `s3://${bucket}/app/` }), {
        runner: job,
      });
      expect(run.code).toBe(0);
    }
  }, 120_000);

  afterAll(async () => {
    for (const unmount of unmounts.reverse()) unmount();
    await server?.stop();
    if (job) await rm(job.dir, { recursive: true, force: true });
  });

  function mount(name: string, bytes: number, readOnly = false): string {
    const at = join(job.dir, name);
    unmounts.push(mountTmpfs(at, bytes, { readOnly }));
    return at;
  }

  it('a download onto a full disk names the file and the bytes it needs', async () => {
    const dest = mount('full-dest', MIB);
    const run = await runAction(
      'main',
      inputs({ command: 'download', path: dest, 's3-url': `s3://${bucket}/app/app-2.bin` }),
      { runner: job },
    );
    expect(run.code).toBe(1);
    const errors = errorLines(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(
        `^::error::Cannot write ${dest}/app-2\\.bin: no space left on the device \\(ENOSPC\\); ` +
          `3,1\\d\\d,\\d{3} bytes needed, 1,0\\d\\d,\\d{3} bytes free there\\. ` +
          'This is a problem of this machine, not of the bucket: free space on that disk',
      ),
    );
    expect(run.stdout).not.toMatch(/corrupt/i);
    expect(await readdir(dest)).toEqual([]);
  });

  it('a download onto a read-only disk names the file', async () => {
    const dest = mount('ro-dest', MIB, true);
    const run = await runAction(
      'main',
      inputs({ command: 'download', path: dest, 's3-url': `s3://${bucket}/app/` }),
      { runner: job },
    );
    expect(run.code).toBe(1);
    expect(errorLines(run.stdout)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^::error::Cannot write ${dest}/app-[12]\\.bin: read-only file system \\(EROFS\\)`,
        ),
      ),
    ]);
  });

  it('verify with a full scratch disk is an error of this machine, not a FAILED file', async () => {
    // Room for the 3 MiB reference, not for the rebuilt file next to it.
    const temp = mount('full-temp', 4 * MIB);
    const run = await runAction(
      'main',
      inputs({ command: 'verify', 's3-url': `s3://${bucket}/app/` }),
      { runner: job, env: { RUNNER_TEMP: temp } },
    );
    expect(run.code).toBe(1);
    const errors = errorLines(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(
        `^::error::Cannot write ${temp}/deltaglider-\\d+-[0-9a-f]+/\\S+: no space left on the ` +
          'device \\(ENOSPC\\); 3,1\\d\\d,\\d{3} bytes needed',
      ),
    );
    expect(run.stdout + run.summary).not.toMatch(/FAILED|corrupt|❌/);
    expect(run.outputs.failed).toBeUndefined();
    // The scratch directory went with the step.
    expect(await readdir(temp)).toEqual([]);
  });

  it('the CLI, as a user who may not write the destination: EACCES, named', async () => {
    if (process.getuid?.() !== 0 || !existsSync('/usr/bin/setpriv')) {
      skipNote('the EACCES case: it needs root and setpriv to act as another user');
      return;
    }
    const dest = join(job.dir, 'root-only');
    const scratch = join(job.dir, 'nobody');
    await mkdir(dest);
    await mkdir(scratch);
    await chmod(scratch, 0o777);
    // mkdtemp made the job directory private; the other user must pass through it.
    await chmod(job.dir, 0o755);
    const cli = new URL('../../dist/cli/index.js', import.meta.url).pathname;
    const run = await promisify(execFile)(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        cli,
        'cp',
        `s3://${bucket}/app/app-1.bin`,
        `${dest}/`,
        '--endpoint-url',
        server.endpoint,
        '--cache-dir',
        join(scratch, 'cache'),
      ],
      { env: { ...process.env, TMPDIR: scratch, HOME: scratch } },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(
        `^deltaglider: Cannot write ${dest}/app-1\\.bin: permission denied \\(EACCES\\)\\. ` +
          'This is a problem of this machine, not of the bucket: grant this user write access',
      ),
    );
    expect(await readdir(dest)).toEqual([]);
  });
});

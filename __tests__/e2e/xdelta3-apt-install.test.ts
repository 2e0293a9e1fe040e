import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { newJob, runAction, type SimulatedJob } from '../../scripts/lib/run-action.mjs';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

// The bundle on a stock runner as the README's first examples meet it: no xdelta3 build in
// the manifest, none on PATH, but apt-get and passwordless sudo. The real apt cannot run
// in a test, so `sudo` and `apt-get` here are scripts that record their calls; the fake
// apt-get "installs" the system's xdelta3 into a bin directory on PATH.

const MB = 1024 * 1024;
let server: S3TestServer;
let bucket: string;
let job: SimulatedJob;
/** The runner's PATH: tar, gzip, sh, true, the fake sudo and apt-get, and `usrBin`. */
let path: string;
/** Where the fake apt-get puts xdelta3 (the /usr/bin of this fake runner). */
let usrBin: string;
let calls: string;

beforeAll(async () => {
  server = await startS3Server();
  bucket = await server.createBucket();
  job = await newJob();
  const tools = join(job.dir, 'bin');
  usrBin = join(job.dir, 'usr-bin');
  calls = join(job.dir, 'calls.log');
  await mkdir(tools);
  await mkdir(usrBin);
  for (const tool of ['tar', 'gzip', 'sh']) {
    const found = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
    await symlink(found, join(tools, tool));
  }
  await symlink('/bin/true', join(tools, 'true')); // `command -v true` names the builtin
  const xdelta3 = execFileSync('sh', ['-c', 'command -v xdelta3'], { encoding: 'utf8' }).trim();
  await script(
    join(tools, 'sudo'),
    `echo "sudo $*" >> '${calls}'\n[ "$1" = -n ] || exit 1\nshift\nexec "$@"`,
  );
  await script(
    join(tools, 'apt-get'),
    `echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> '${calls}'\n` +
      `[ "$1" = install ] && /bin/cp '${xdelta3}' '${usrBin}/xdelta3'\nexit 0`,
  );
  path = `${usrBin}:${tools}`;
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (job) await rm(job.dir, { recursive: true, force: true });
});

async function script(file: string, body: string): Promise<void> {
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
}

async function takeCalls(): Promise<string[]> {
  const text = await readFile(calls, 'utf8').catch(() => '');
  await rm(calls, { force: true });
  return text.split('\n').filter(Boolean);
}

function inputs(extra: Record<string, string>): Record<string, string> {
  return {
    'endpoint-url': server.endpoint,
    's3-url': `s3://${bucket}/apt/`,
    cache: 'false',
    summary: 'false',
    ...extra,
  };
}

it('installs the xdelta3 package with sudo apt-get and an info line, then later runs use the tool cache', async () => {
  const v1 = join(job.dir, 'app-1.bin');
  const v2 = join(job.dir, 'app-2.bin');
  await writeArtifact(v1, 2 * MB, 61);
  await writeNextVersion(v1, v2);
  const toolCache = join(job.dir, 'tool-cache');
  const env = { PATH: path, RUNNER_TOOL_CACHE: toolCache };

  const first = await runAction('main', inputs({ path: v1 }), { runner: job, env });
  expect(first.stdout).not.toContain('::error::');
  expect(first.code).toBe(0);
  // An info line, not a notice: every job on a stock runner takes this path.
  expect(first.stdout).toMatch(/^Installing xdelta3 with apt-get, .*xdelta3-install: never/m);
  expect(first.stdout).not.toContain('::notice::');
  expect(await takeCalls()).toEqual([
    'sudo -n true',
    'sudo -n apt-get install -y -q --no-install-recommends xdelta3',
    'apt-get install -y -q --no-install-recommends xdelta3 DEBIAN_FRONTEND=noninteractive',
  ]);
  expect(first.outputs['xdelta3-path']).toContain(toolCache);

  // A later job on this runner (its tool cache kept, the package gone): no install.
  await rm(join(usrBin, 'xdelta3'));
  const second = await runAction('main', inputs({ path: v2 }), { runner: job, env });
  expect(second.code).toBe(0);
  expect(JSON.parse(second.outputs.results!)[0].kind).toBe('delta');
  expect(await takeCalls()).toEqual([]);
  expect(second.outputs['xdelta3-path']).toContain(toolCache);
}, 120_000);

it('installs nothing with xdelta3-install: never, and fails with the fixes', async () => {
  await takeCalls();
  const file = join(job.dir, 'c.bin');
  await writeArtifact(file, 2 * MB, 62);
  const env = { PATH: path, RUNNER_TOOL_CACHE: join(job.dir, 'tool-cache-never') };
  const run = await runAction('main', inputs({ path: file, 'xdelta3-install': 'never' }), {
    runner: job,
    env,
  });
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/::error::.*xdelta3-install is never.*xdelta3-path/s);
  expect(await takeCalls()).toEqual([]);
});

// Runs .github/workflows/self-test.yml's own steps on this Linux machine, as its
// ubuntu-latest jobs would: `run:` steps in bash, `uses: ./` through the built bundle,
// artifacts through a folder, against the tests' moto server. It proves the workflow's
// logic (inputs, outputs, expressions, helper script), not the other runners.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { newJob, runAction, type SimulatedJob } from '../../scripts/lib/run-action.mjs';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { skipNote } from '../helpers/skip-note.js';

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Workflow {
  env: Record<string, string>;
  jobs: Record<string, { steps: Step[] }>;
}

const repo = (path: string) => new URL(`../../${path}`, import.meta.url).pathname;
const workflow = yaml.load(
  readFileSync(repo('.github/workflows/self-test.yml'), 'utf8'),
) as Workflow;

let server: S3TestServer;
let root: string;
const missing = ['python3 -c "import boto3"', 'command -v curl'].filter((probe) => {
  try {
    execFileSync('sh', ['-c', probe], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});

beforeAll(async () => {
  server = await startS3Server();
  root = await mkdtemp(join(tmpdir(), 'self-test-workflow-'));
  // `python`, as setup-python provides it.
  await mkdir(join(root, 'bin'));
  execFileSync('ln', [
    '-s',
    execFileSync('sh', ['-c', 'command -v python3']).toString().trim(),
    join(root, 'bin', 'python'),
  ]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

/** `${{ env.X }}` and `${{ steps.ID.outputs.Y }}`; any other expression is a test failure. */
function expand(
  text: string,
  env: Record<string, string>,
  outputs: Map<string, Record<string, string>>,
) {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
    const fromEnv = /^env\.([A-Z0-9_]+)$/.exec(expression);
    if (fromEnv) return env[fromEnv[1]!] ?? '';
    const fromStep = /^steps\.([a-z0-9-]+)\.outputs\.([a-z0-9-]+)$/.exec(expression);
    if (fromStep) return outputs.get(fromStep[1]!)?.[fromStep[2]!] ?? '';
    throw new Error(`the rehearsal does not know the expression ${expression}`);
  });
}

async function runJob(name: string, job: SimulatedJob, artifacts: string): Promise<string[]> {
  const env: Record<string, string> = { ...workflow.env, SELF_TEST_ENDPOINT: server.endpoint };
  const outputs = new Map<string, Record<string, string>>();
  const ran: string[] = [];
  for (const step of workflow.jobs[name]!.steps) {
    const label = step.name ?? step.uses ?? step.run!.split('\n')[0]!;
    if (step.if === 'failure()' || step.name === 'Start moto') continue;
    if (step.uses === 'actions/setup-python@v5') continue;
    const inputs = Object.fromEntries(
      Object.entries(step.with ?? {}).map(([key, value]) => [
        key,
        expand(String(value), env, outputs),
      ]),
    );
    if (step.uses === 'actions/checkout@v4') {
      // What the steps read from the checkout: the helper script.
      await cp(repo('.github'), join(job.workspace, '.github'), { recursive: true });
    } else if (step.uses === 'actions/upload-artifact@v4') {
      const store = join(artifacts, inputs.name!);
      for (const path of inputs.path!.split('\n').filter(Boolean)) {
        const matches = execFileSync('sh', ['-c', `ls -d ${path}`], {
          cwd: job.workspace,
        }).toString();
        for (const match of matches.split('\n').filter(Boolean)) {
          await cp(join(job.workspace, match), join(store, match), { recursive: true });
        }
      }
    } else if (step.uses === 'actions/download-artifact@v4') {
      await cp(join(artifacts, inputs.name!), join(job.workspace, inputs.path!), {
        recursive: true,
      });
    } else if (step.uses === './') {
      const run = await runAction('main', inputs, { runner: job, env });
      if (run.code !== 0) throw new Error(`${name}: ${label} failed:\n${run.stdout}`);
      if (step.id) outputs.set(step.id, run.outputs);
    } else if (step.run) {
      const stepEnv = Object.fromEntries(
        Object.entries(step.env ?? {}).map(([key, value]) => [key, expand(value, env, outputs)]),
      );
      // GitHub's `shell: bash`: bash --noprofile --norc -eo pipefail {0}.
      const script = expand(step.run, env, outputs);
      execFileSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
        cwd: job.workspace,
        env: {
          ...process.env,
          ...env,
          ...stepEnv,
          PATH: `${join(root, 'bin')}:${process.env.PATH}`,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } else {
      throw new Error(`the rehearsal does not know the step ${label}`);
    }
    ran.push(label);
  }
  return ran;
}

it('runs every step of both jobs on this machine, ending with the restore of the Linux .tgz', async () => {
  if (server.kind !== 'moto' || missing.length > 0) {
    return skipNote(
      `the self-test rehearsal needs moto, boto3 and curl (${server.kind}; missing: ${missing.join(', ') || 'none'})`,
    );
  }
  const artifacts = join(root, 'artifacts');
  const linux = await runJob('made-on-linux', await newJob(root), artifacts);
  expect(linux).toContain('The second release is a delta');
  const runner = await runJob('runner', await newJob(root), artifacts);
  expect(runner.slice(-1)).toEqual([
    'python .github/self-test/steps.py same made-on-linux/tgz restored-tgz',
  ]);
  expect(runner).toContain('Both versions verify');
}, 300_000);

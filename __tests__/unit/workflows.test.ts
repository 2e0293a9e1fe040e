// The workflows cannot run here, so their shape is checked: each parses as YAML (js-yaml,
// which eslint already brings), each `uses: ./` step passes only inputs action.yml
// declares, and the self-test covers every hosted runner the README's table lists.
import { readdirSync, readFileSync } from 'node:fs';
import yaml from 'js-yaml';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: unknown;
  jobs: Record<string, { steps: Step[]; strategy?: { matrix?: { os?: string[] } } }>;
}

const workflows = readdirSync(new URL('.github/workflows/', root))
  .filter((name) => /\.ya?ml$/.test(name))
  .map((name) => ({ name, doc: yaml.load(read(`.github/workflows/${name}`)) as Workflow }));
const declared = Object.keys(
  (yaml.load(read('action.yml')) as { inputs: Record<string, unknown> }).inputs,
);
const steps = workflows.flatMap(({ name, doc }) =>
  Object.entries(doc.jobs).flatMap(([job, { steps }]) =>
    steps.map((step) => ({ where: `${name} ${job}`, step })),
  ),
);

it('parses every workflow, each with triggers and jobs with steps', () => {
  expect(workflows.map(({ name }) => name)).toContain('self-test.yml');
  for (const { doc } of workflows) {
    expect(doc.on).toBeDefined();
    for (const job of Object.values(doc.jobs)) expect(job.steps.length).toBeGreaterThan(0);
  }
});

it('passes `uses: ./` only the inputs action.yml declares', () => {
  const local = steps.filter(({ step }) => step.uses === './');
  expect(local.length).toBeGreaterThan(5);
  const unknown = local.flatMap(({ where, step }) =>
    Object.keys(step.with ?? {})
      .filter((input) => !declared.includes(input))
      .map((input) => `${where}: ${input}`),
  );
  expect(unknown).toEqual([]);
});

it('runs the self-test on Linux x64 and arm64, macOS arm64 and Intel, and Windows', () => {
  const selfTest = workflows.find(({ name }) => name === 'self-test.yml')!.doc;
  expect(selfTest.jobs.runner!.strategy?.matrix?.os).toEqual([
    'ubuntu-latest',
    'ubuntu-24.04-arm',
    'macos-latest',
    'macos-15-intel',
    'windows-latest',
  ]);
});

it('calls only subcommands that the self-test helper defines', () => {
  const helper = read('.github/self-test/steps.py');
  const defined = [...helper.matchAll(/^ {4}"([a-z-]+)": [a-z_]+,$/gm)].map((match) => match[1]);
  const used = steps.flatMap(({ step }) =>
    [...(step.run ?? '').matchAll(/steps\.py ([a-z-]+)/g)].map((match) => match[1]),
  );
  expect(used.length).toBeGreaterThan(5);
  expect(used.filter((name) => !defined.includes(name))).toEqual([]);
});

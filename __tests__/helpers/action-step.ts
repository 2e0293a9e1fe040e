import { jest } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { parseRunnerFile } from '../../scripts/lib/run-action.mjs';
import type { CommandReport } from '../../src/action/report.js';
import { readInputs, type ActionInputs } from '../../src/action/inputs.js';
import { setOutputs } from '../../src/action/outputs.js';
import type { App } from '../../src/app/create-app.js';

// One action command run in-process as the step runs it: inputs from INPUT_* as the
// runner sets them, outputs rendered into GITHUB_OUTPUT and read back.

/** Keeps what @actions/core prints (info, warnings) off the test's output, to assert on. */
export function captureStdout(): { text(): string; clear(): void; restore(): void } {
  let printed: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed.push(String(chunk));
    return true;
  });
  return {
    text: () => printed.join(''),
    clear: () => {
      printed = [];
    },
    restore: () => spy.mockRestore(),
  };
}

export async function runStep(
  app: App,
  run: (app: App, inputs: ActionInputs) => Promise<CommandReport>,
  inputs: Record<string, string>,
): Promise<Record<string, string>> {
  for (const [name, value] of Object.entries(inputs)) {
    process.env[`INPUT_${name.toUpperCase()}`] = value;
  }
  setOutputs((await run(app, readInputs())).outputs);
  return parseRunnerFile(await readFile(process.env.GITHUB_OUTPUT!, 'utf8'));
}

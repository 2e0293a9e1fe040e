import * as core from '@actions/core';

/** Sets step outputs (names fixed by action.yml); numbers are written as text. */
export function setOutputs(outputs: Readonly<Record<string, string | number>>): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}

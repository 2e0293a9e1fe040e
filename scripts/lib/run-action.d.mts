export interface SimulatedJob {
  dir: string;
  workspace: string;
  temp: string;
  stateFile: string;
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  job: SimulatedJob;
}

export function parseRunnerFile(text: string): Record<string, string>;
export function runAction(
  phase: 'main' | 'post',
  inputs: Record<string, string>,
  options?: {
    runner?: SimulatedJob;
    env?: Record<string, string | undefined>;
    node?: string;
    onSpawn?: (child: import('node:child_process').ChildProcess) => void;
  },
): Promise<ActionRun>;
export function newJob(base?: string): Promise<SimulatedJob>;

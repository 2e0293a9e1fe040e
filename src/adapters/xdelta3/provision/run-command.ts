// Runs a package manager's command with no shell and a time limit, keeping only the end of
// its stderr for the error message (its output is the package manager's, not ours to show
// in full).
import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  /** The last 500 characters of stderr, or "no message". */
  tail: string;
  /** The first 4 KiB of stdout, for commands that answer a question (`brew --prefix`). */
  stdout: string;
}

const STDOUT_LIMIT = 4096;

export function runCommand(
  command: string,
  args: string[],
  timeoutMs: number,
  /** The child's whole environment (the runner's, plus what the command needs). */
  env: NodeJS.ProcessEnv,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
      timeout: timeoutMs,
      windowsHide: true,
    });
    let tail = '';
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (stdout.length < STDOUT_LIMIT) stdout = (stdout + chunk).slice(0, STDOUT_LIMIT);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (tail = (tail + chunk).slice(-500)));
    child.on('error', (error) => resolve({ code: -1, tail: error.message, stdout }));
    child.on('close', (code) => resolve({ code, tail: tail.trim() || 'no message', stdout }));
  });
}

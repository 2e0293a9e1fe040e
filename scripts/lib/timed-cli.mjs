// Runs a CLI bundle as users do (a Node process of its own) and times it: what the
// lifecycle scale scripts measure.
import { spawn } from 'node:child_process';

/** Resolves with the seconds the run took; rejects with its stderr when it fails. */
export function timedCli(cli, args, env) {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${args.join(' ')} failed: ${err}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}

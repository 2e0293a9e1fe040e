// Small tmpfs mounts: a disk that fills up, or a read-only one, with no root tricks beyond
// `mount` itself. Where mounting is not permitted (an unprivileged runner) the tests that
// need it are skipped, and say why once.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipNote } from './skip-note.js';

let support: string | undefined | null = null;

/** Why tmpfs cannot be mounted here, or undefined when it can (checked once). */
export function tmpfsUnavailable(): string | undefined {
  if (support !== null) return support;
  const probe = mkdtempSync(join(tmpdir(), 'dg-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    support = undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    support = `cannot mount tmpfs here (${stderr || (error as Error).message})`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
  return support;
}

/** True (after printing why, once per title) when tests needing tmpfs must be skipped. */
export function skipWithoutTmpfs(title: string): boolean {
  const reason = tmpfsUnavailable();
  if (reason !== undefined) skipNote(`"${title}": ${reason}`);
  return reason !== undefined;
}

/**
 * Mounts a tmpfs of `bytes` at `dir` (created if needed); with `readOnly`, read-only.
 * Returns the unmount.
 */
export function mountTmpfs(dir: string, bytes: number, { readOnly = false } = {}): () => void {
  mkdirSync(dir, { recursive: true });
  const options = [`size=${bytes}`, readOnly ? 'ro' : 'rw'].join(',');
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
  return () => execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
}

// The health checks of the design, shared by `deltaglider doctor` and the action's debug
// log: xdelta3 found and working, the bucket reachable with the credentials at hand (read
// only: one listing page, no writes), free space for the reference cache. Each check
// resolves to one line; none throws.

import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { describeError, type Setting, type ShellHints } from '../core/errors.js';
import type { StoragePort } from '../ports.js';
import { probeXdelta3 } from './xdelta3/provision/probe.js';
import { findOnPath } from './xdelta3/provision/which.js';
import { Xdelta3Differ } from './xdelta3/differ.js';

export interface HealthCheck {
  name: 'xdelta3' | 'bucket' | 'cache';
  ok: boolean;
  /** Not run (the bucket check without a bucket); `ok` stays true. */
  skipped?: boolean;
  /** What was found, or what is wrong and how to fix it. */
  detail: string;
  /** The setting that fixes a failure; each shell names it (`inShellWords`). */
  setting?: Setting;
  /** The error a failed check caught, for the shell's hint. */
  error?: unknown;
}

/**
 * The check as a shell shows it: the setting that fixes it named as the shell names it
 * (input, flag), a caught error with the shell's hint.
 */
export function inShellWords(
  check: HealthCheck,
  names: Readonly<Record<Setting, string>>,
  hints: ShellHints,
): HealthCheck {
  const { setting, error, ...rest } = check;
  if (error !== undefined) return { ...rest, detail: describeError(error, hints) };
  return setting ? { ...rest, detail: `${rest.detail} (${names[setting]})` } : rest;
}

/** Below this, the cache is reported short of space: one reference of a large artifact. */
export const MIN_CACHE_FREE_BYTES = 256 * 1024 * 1024;

/** `ok    xdelta3: 3.0.11 at /usr/bin/xdelta3, ...`, `FAIL  bucket: ...`, `skip  bucket: ...`. */
export function formatHealthCheck(check: HealthCheck): string {
  const status = check.skipped ? 'skip' : check.ok ? 'ok  ' : 'FAIL';
  return `${status}  ${check.name}: ${check.detail}`;
}

/**
 * Finds the binary (a path, or a name on PATH), asks its version, and encodes and
 * decodes a small file with it, as uploads and downloads will.
 */
export async function checkXdelta3(binary: string): Promise<HealthCheck> {
  const fail = (detail: string, setting?: Setting): HealthCheck => ({
    name: 'xdelta3',
    ok: false,
    detail,
    ...(setting ? { setting } : {}),
  });
  const hasPath = isAbsolute(binary) || binary.includes('/') || binary.includes('\\');
  const path = hasPath ? resolve(binary) : await findOnPath(binary);
  if (!path) {
    return fail(
      `"${binary}" is not on PATH: install xdelta3 (apt-get install xdelta3, brew install xdelta) ` +
        'or give its location',
      'xdelta3-path',
    );
  }
  let version: string;
  try {
    version = await probeXdelta3(path);
  } catch (error) {
    return fail(describeError(error));
  }
  const dir = await mkdtemp(join(tmpdir(), 'deltaglider-doctor-'));
  try {
    await roundTrip(path, dir);
  } catch (error) {
    return fail(`xdelta3 ${version} at ${path} failed a delta round trip: ${describeError(error)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { name: 'xdelta3', ok: true, detail: `${version} at ${path}, encodes and decodes` };
}

async function roundTrip(binary: string, dir: string): Promise<void> {
  const differ = new Xdelta3Differ({ binary });
  const reference = randomBytes(64 * 1024);
  const target = Buffer.concat([
    reference.subarray(0, 30_000),
    randomBytes(100),
    reference.subarray(30_000),
  ]);
  const [ref, file, delta, out] = ['ref', 'file', 'delta', 'out'].map((n) => join(dir, n)) as [
    string,
    string,
    string,
    string,
  ];
  await writeFile(ref, reference);
  await writeFile(file, target);
  await differ.encode(ref, file, delta);
  await differ.decode(ref, delta, out);
  if (!(await readFile(out)).equals(target))
    throw new Error('the decoded bytes differ from the input');
}

/** One listing page of `s3://bucket/prefix`: proves endpoint, credentials and s3:ListBucket. */
export async function checkBucket(
  storage: StoragePort,
  bucket: string,
  prefix: string,
): Promise<HealthCheck> {
  const where = `s3://${bucket}/${prefix}`;
  try {
    let any = false;
    for await (const _object of storage.list(bucket, prefix)) {
      any = true;
      break;
    }
    const holds = any ? 'holds objects' : 'is empty';
    return {
      name: 'bucket',
      ok: true,
      detail: `${where} is readable with these credentials and ${holds}`,
    };
  } catch (error) {
    return { name: 'bucket', ok: false, detail: describeError(error), error };
  }
}

/**
 * Free space where the reference cache lives (or would be created), and whether that
 * directory can be written.
 */
export async function checkCacheSpace(
  cacheDir: string,
  minFreeBytes = MIN_CACHE_FREE_BYTES,
): Promise<HealthCheck> {
  const fail = (detail: string, setting?: Setting): HealthCheck => ({
    name: 'cache',
    ok: false,
    detail,
    ...(setting ? { setting } : {}),
  });
  const existing = await nearestExisting(resolve(cacheDir));
  try {
    await access(existing, constants.W_OK);
  } catch {
    return fail(
      `${existing} is not writable, so the cache ${cacheDir} cannot be kept there; choose another cache directory`,
      'cache-dir',
    );
  }
  let free: number;
  try {
    const fs = await statfs(existing);
    free = Number(fs.bavail) * Number(fs.bsize);
  } catch (error) {
    return fail(`cannot tell the free space of ${existing}: ${describeError(error)}`);
  }
  if (free < minFreeBytes) {
    return fail(
      `${mib(free)} free for ${cacheDir}, under the ${mib(minFreeBytes)} a reference may need; ` +
        'free some space or choose another cache directory',
      'cache-dir',
    );
  }
  return { name: 'cache', ok: true, detail: `${cacheDir}, ${mib(free)} free` };
}

function mib(bytes: number): string {
  return `${Math.floor(bytes / (1024 * 1024))} MiB`;
}

async function nearestExisting(path: string): Promise<string> {
  for (let current = path; ; current = dirname(current)) {
    const exists = await access(current).then(
      () => true,
      () => false,
    );
    if (exists || dirname(current) === current) return current;
  }
}

export interface HealthOptions {
  xdelta3Binary: string;
  cacheDir: string;
  /** The bucket check runs when a location is given. */
  storage?: StoragePort;
  bucket?: string;
  prefix?: string;
}

/** Every check, in the order of the design: xdelta3, bucket, cache. */
export async function runHealthChecks(options: HealthOptions): Promise<HealthCheck[]> {
  const checks = [checkXdelta3(options.xdelta3Binary)];
  checks.push(
    options.storage && options.bucket
      ? checkBucket(options.storage, options.bucket, options.prefix ?? '')
      : Promise.resolve({
          name: 'bucket',
          ok: true,
          skipped: true,
          detail: 'no s3:// URL given, so access was not checked',
        }),
  );
  checks.push(checkCacheSpace(options.cacheDir));
  return Promise.all(checks);
}

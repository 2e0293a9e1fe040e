// Errors carry a code; each shell words the hint. Every code has a hint entry in both
// shells, the action speaks of inputs and the CLI of flags, and neither borrows the
// other's words. Real throw sites (URL parsing, a missing file, a name clash, SDK
// failures) are rendered, not hand-built errors only.
import { afterAll, describe, expect, it } from '@jest/globals';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ACTION_HINTS, ACTION_SETTINGS } from '../../src/action/hints.js';
import { CLI_HINTS, CLI_SETTINGS } from '../../src/cli/hints.js';
import { LocalFiles } from '../../src/adapters/local-files.js';
import { StorageError, toStorageError } from '../../src/adapters/s3/errors.js';
import {
  DeltaGliderError,
  ERROR_CODES,
  describeError,
  type ErrorCode,
  type Setting,
} from '../../src/core/errors.js';
import { parseS3Url } from '../../src/core/s3-url.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { serviceOver, type ServiceFixture } from '../helpers/service-fixture.js';

const SETTINGS = Object.keys(ACTION_SETTINGS) as Setting[];

// Input names only the action has, as words of their own (the CLI's `--endpoint-url`
// is a flag, not the input).
const ACTION_WORDS =
  /(?<![-\w])(s3-url|endpoint-url|max-attempts|xdelta3-url|xdelta3-sha256|xdelta3-install|xdelta3-version)\b|\binputs?\b|re-run the step|this runner|overwrite: true|archive-aware: false/i;
// What only a command line has: flags, commands, "the command".
const CLI_WORDS = /(^|[\s(/])--?[a-z]|deltaglider (ls|cp)|run the command|argument/i;

/** One error of `code` per setting (or one without), as a thrower would make it. */
function samples(code: ErrorCode): DeltaGliderError[] {
  const plain = new DeltaGliderError('It failed', 'A neutral hint', { code });
  return [
    plain,
    ...SETTINGS.map(
      (setting) =>
        new DeltaGliderError('It failed', 'A neutral hint', {
          code,
          fields: { setting, other: 'xdelta3-url', bucket: 'b', key: 'k', path: '/p' },
        }),
    ),
  ];
}

/** The error (thrown or returned) rendered by each shell. */
async function rendered(failing: Promise<unknown> | (() => unknown)) {
  let error: unknown;
  try {
    await (typeof failing === 'function' ? failing() : failing);
  } catch (thrown) {
    error = thrown;
  }
  expect(error).toBeInstanceOf(DeltaGliderError);
  return {
    error: error as DeltaGliderError,
    action: describeError(error, ACTION_HINTS),
    cli: describeError(error, CLI_HINTS),
  };
}

describe('hint maps', () => {
  it('have an entry for every code, and only codes', () => {
    expect(Object.keys(ACTION_HINTS).sort()).toEqual([...ERROR_CODES].sort());
    expect(Object.keys(CLI_HINTS).sort()).toEqual([...ERROR_CODES].sort());
    expect(Object.keys(CLI_SETTINGS).sort()).toEqual(SETTINGS.sort());
  });

  it.each([...ERROR_CODES])('%s: the CLI never uses action input names', (code) => {
    for (const error of samples(code)) {
      expect(describeError(error, CLI_HINTS)).not.toMatch(ACTION_WORDS);
    }
  });

  it.each([...ERROR_CODES])('%s: the action never uses flags', (code) => {
    for (const error of samples(code)) {
      expect(describeError(error, ACTION_HINTS)).not.toMatch(CLI_WORDS);
    }
  });

  it('a shell without a hint of its own prints the neutral one; unknown errors print as they are', () => {
    const error = new DeltaGliderError('Checksum mismatch', 'Restore it from a backup', {
      code: 'integrity',
    });
    expect(describeError(error, ACTION_HINTS)).toBe('Checksum mismatch. Restore it from a backup');
    expect(describeError(error, CLI_HINTS)).toBe('Checksum mismatch. Restore it from a backup');
    expect(describeError(new Error('plain'), CLI_HINTS)).toBe('plain');
    expect(describeError('a string', ACTION_HINTS)).toBe('a string');
    expect(describeError(undefined)).toBe('undefined');
  });
});

describe('real throw sites, worded by each shell', () => {
  const fixtures: ServiceFixture[] = [];
  afterAll(async () => {
    for (const fixture of fixtures) await fixture.cleanup();
  });

  it('a malformed S3 URL: code bad-url, the same example in both', async () => {
    const { error, action, cli } = await rendered(() => parseS3Url('https://bucket/x'));
    expect(error.code).toBe('bad-url');
    expect(error.fields.setting).toBe('location');
    expect(action).toBe(cli);
    expect(action).toMatch(/is not an S3 URL\. Use the form s3:\/\/bucket\/prefix\//);
  });

  it('a missing local file: the action points at the path input, the CLI at the path given', async () => {
    const files = new LocalFiles(join('/nonexistent', 'scratch'));
    const { error, action, cli } = await rendered(files.size('/nonexistent/app.zip'));
    expect(error).toMatchObject({ code: 'missing-file', fields: { path: '/nonexistent/app.zip' } });
    expect(action).toBe('The file /nonexistent/app.zip does not exist. Check the path input');
    expect(cli).toBe('The file /nonexistent/app.zip does not exist. Check the path you gave');
  });

  it('two files with one name: the action says s3-url prefixes, the CLI S3 URLs', async () => {
    const fixture = await serviceOver(new MemoryStorage());
    fixtures.push(fixture);
    const { error, action, cli } = await rendered(
      fixture.service.uploads.uploadAll(['/a/app.bin', '/b/app.bin'], { bucket: 'b', prefix: 'p' }),
    );
    expect(error).toMatchObject({
      code: 'name-clash',
      fields: { paths: ['/a/app.bin', '/b/app.bin'] },
    });
    expect(action).toMatch(/upload them to different s3-url prefixes or rename one$/);
    expect(cli).toMatch(/upload them to different S3 URLs \(prefixes\) or rename one$/);
    expect(cli).not.toMatch(ACTION_WORDS);
  });

  const context = {
    operation: 'PutObject',
    bucket: 'b',
    key: 'p/k',
    endpoint: 'http://s3',
  } as const;

  it.each([
    [
      'storage-unreachable',
      { name: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' },
      /^cannot reach the S3 endpoint http:\/\/s3 for PutObject s3:\/\/b\/p\/k \(connect ECONNREFUSED/,
      /Check endpoint-url and that the server is running/,
      /Check --endpoint-url \(or AWS_ENDPOINT_URL\)/,
    ],
    [
      'storage-dropped',
      { name: 'Error', code: 'ECONNRESET', message: 'socket hang up', $metadata: { attempts: 3 } },
      /broke during PutObject s3:\/\/b\/p\/k after 3 attempts \(socket hang up\)$/,
      /Re-run the step, and raise max-attempts/,
      /Run the command again, and raise AWS_MAX_ATTEMPTS/,
    ],
    [
      'storage-no-credentials',
      { name: 'CredentialsProviderError', message: 'Could not load credentials' },
      /^no AWS credentials found for PutObject s3:\/\/b\/p\/k$/,
      /aws-actions\/configure-aws-credentials/,
      /--profile/,
    ],
    [
      'storage-wrong-region',
      { name: 'PermanentRedirect', message: 'wrong region', $metadata: { httpStatusCode: 301 } },
      /^bucket b is not in the configured region/,
      /Set the region input or AWS_REGION/,
      /Set --region \(or AWS_REGION\)/,
    ],
  ])(
    'an SDK failure becomes %s: its S3 details kept, each shell its hint',
    (code, sdk, message, inAction, inCli) => {
      const error = toStorageError(sdk, context);
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toBeInstanceOf(DeltaGliderError);
      expect(error.code).toBe(code);
      expect(error.fields).toEqual({ bucket: 'b', key: 'p/k' });
      expect(error.s3).toMatchObject({ operation: 'PutObject', endpoint: 'http://s3' });
      expect(error.message).toMatch(message);
      expect(describeError(error, ACTION_HINTS)).toMatch(inAction);
      expect(describeError(error, CLI_HINTS)).toMatch(inCli);
      expect(describeError(error, CLI_HINTS)).not.toMatch(ACTION_WORDS);
      expect(describeError(error, ACTION_HINTS)).not.toMatch(CLI_WORDS);
    },
  );

  it('access denied keeps all its advice in the message (IAM is the same for every shell)', () => {
    const sdk = {
      name: 'AccessDenied',
      message: 'Access Denied',
      $metadata: { httpStatusCode: 403 },
    };
    const error = toStorageError(sdk, context);
    expect(error.code).toBe('storage-denied');
    expect(error.s3.permission).toBe('s3:PutObject');
    expect(describeError(error, ACTION_HINTS)).toBe(describeError(error, CLI_HINTS));
    expect(error.message).toContain('needs the s3:PutObject permission on arn:aws:s3:::b/p/k');
  });
});

describe('core and adapters', () => {
  // The phrases the shells used to inherit from the core: they now live in hints.ts.
  const SHELL_PHRASES =
    /check the s3-url|use another s3-url|s3-url prefixes|the path input|re-run the step|set archive-aware|overwrite: true|CLI --overwrite|check s3-url|check endpoint-url|raise max-attempts|region input|xdelta3-path input|with --xdelta3-path|another --cache-dir/i;

  async function sources(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => join(e.parentPath, e.name));
  }

  it('word no hint in the action or CLI vocabulary', async () => {
    const files = [...(await sources('src/core')), ...(await sources('src/adapters'))];
    expect(files.length).toBeGreaterThan(20);
    const offending: string[] = [];
    for (const file of files) {
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines.forEach((line, i) => {
        const comment = /^\s*(\/\/|\*|\/\*)/.test(line);
        if (!comment && SHELL_PHRASES.test(line))
          offending.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offending).toEqual([]);
  });
});

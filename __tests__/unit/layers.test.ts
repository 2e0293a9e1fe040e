// The import rules of eslint.config.js, run through ESLint itself: a forbidden import
// fails the lint, an allowed one passes. The snippets are linted as if they lived at
// the given path, so the rule of that layer applies.
import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const eslint = new ESLint({ cwd: root });

/** The messages of one lint run of `code` as the file `path` (relative to the repo). */
async function lint(path: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return result!.messages.map((m) => ({ rule: m.ruleId, message: m.message }));
}

const restricted = expect.objectContaining({ rule: 'no-restricted-imports' });

describe('the layers, enforced by lint', () => {
  it.each([
    ['src/core/x.ts', "import { S3Storage } from '../adapters/s3/s3-storage.js';"],
    ['src/core/util/x.ts', "import { run } from '../../action/main.js';"],
    ['src/core/x.ts', "import { main } from '../cli/main.js';"],
    ['src/core/x.ts', "import { createApp } from '../app/create-app.js';"],
    ['src/core/x.ts', "import { S3Client } from '@aws-sdk/client-s3';"],
    ['src/core/x.ts', "import * as core from '@actions/core';"],
    ['src/core/x.ts', "import pako from 'pako';"],
    ['src/ports.ts', "import type { S3Storage } from './adapters/s3/s3-storage.js';"],
    ['src/adapters/x.ts', "import * as core from '@actions/core';"],
    ['src/adapters/s3/x.ts', "import { actionsLogger } from '../../action/logger.js';"],
    ['src/adapters/x.ts', "import { createApp } from '../app/create-app.js';"],
    ['src/app/x.ts', "import { run } from '../action/main.js';"],
    ['src/app/x.ts', "import { main } from '../cli/main.js';"],
    ['src/app/x.ts', "import * as core from '@actions/core';"],
    ['src/cli/x.ts', "import { readInputs } from '../action/inputs.js';"],
    ['src/cli/x.ts', "import { Sha256Hasher } from '../adapters/sha256-hasher.js';"],
    ['src/cli/x.ts', "import { S3Client } from '@aws-sdk/client-s3';"],
    ['src/action/x.ts', "import { createS3Storage } from '../adapters/s3/s3-storage.js';"],
    ['src/action/pr-comment/x.ts', "import { LocalFiles } from '../../adapters/local-files.js';"],
    ['src/action/x.ts', "import { main } from '../cli/main.js';"],
  ])('%s: %s fails', async (path, line) => {
    expect(await lint(path, `${line}\nexport const used = [${useOf(line)}];\n`)).toEqual([
      restricted,
    ]);
  });

  it.each([
    [
      'src/core/x.ts',
      "import type { StoragePort } from '../ports.js';\nimport { join } from 'node:path';",
    ],
    [
      'src/adapters/x.ts',
      "import * as tc from '@actions/tool-cache';\nimport type { StoragePort } from '../ports.js';",
    ],
    [
      'src/app/x.ts',
      "import { createS3Storage } from '../adapters/s3/s3-storage.js';\nimport type { StoragePort } from '../ports.js';",
    ],
    [
      'src/cli/x.ts',
      "import { createApp } from '../app/create-app.js';\nimport type { StoragePort } from '../ports.js';",
    ],
    // Process signals are the shells' own: the one adapter they wire themselves.
    [
      'src/cli/x.ts',
      "import { cleanUpOnSignals } from '../adapters/cleanup.js';\nimport { formatSpace } from '../core/delta-space.js';",
    ],
    [
      'src/action/x.ts',
      "import * as core from '@actions/core';\nimport { createApp } from '../app/create-app.js';",
    ],
  ])('%s: allowed imports pass', async (path, lines) => {
    const names = lines.split('\n').map(useOf).join(', ');
    expect(await lint(path, `${lines}\nexport const used = [${names}];\n`)).toEqual([]);
  });
});

/** The name an import line binds, used once so that only the import rule can fire. */
function useOf(line: string): string {
  const type = /^import type \{ (\w+) \}/.exec(line);
  if (type) return `undefined as unknown as ${type[1]}`;
  return /^import (?:\* as )?\{? ?(\w+)/.exec(line)![1]!;
}

// A workflow file saved on Windows (or an input built with PowerShell) ends lines with
// CRLF. Nothing the action parses may keep the CR: a path "a.zip\r" matches no file, and
// a filter "exclude *.log\r" excludes nothing.
import { readInputs } from '../../src/action/inputs.js';

let saved: NodeJS.ProcessEnv;
beforeEach(() => {
  saved = { ...process.env };
});
afterEach(() => {
  process.env = saved;
});

function setInputs(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs)) {
    process.env[`INPUT_${name.toUpperCase()}`] = value;
  }
}

test('path lists split on CRLF lose every CR, blank lines included', () => {
  setInputs({
    command: 'upload\r\n',
    's3-url': 's3://bucket/releases/\r\n',
    path: 'dist/a.zip\r\n\r\nC:\\build\\out\\*.zip\r\n',
  });
  const inputs = readInputs();
  expect(inputs.command).toBe('upload');
  expect(inputs.paths).toEqual(['dist/a.zip', 'C:\\build\\out\\*.zip']);
  expect(inputs.s3Url).toMatchObject({ bucket: 'bucket', isPrefix: true });
});

test('sync filters split on CRLF keep their patterns whole and without CR', () => {
  setInputs({
    command: 'sync',
    's3-url': 's3://bucket/site/',
    path: 'public\r\n',
    filters: 'exclude *.log\r\ninclude keep.log\r\n',
  });
  expect(readInputs().lifecycle.filters).toEqual([
    { kind: 'exclude', pattern: '*.log' },
    { kind: 'include', pattern: 'keep.log' },
  ]);
});

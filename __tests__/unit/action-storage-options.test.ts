// The action hands the S3 adapter a warning sink: a store without If-None-Match or
// DeleteObjects shows up as one annotation on the run, not as a Node warning on stderr.
import { jest } from '@jest/globals';

const warnings: string[] = [];
const realCore = await import('@actions/core');
jest.unstable_mockModule('@actions/core', () => ({
  ...realCore,
  warning: (message: string) => void warnings.push(message),
}));
const { storageOptions } = await import('../../src/action/inputs.js');
type ActionInputs = Parameters<typeof storageOptions>[0];

test("the S3 storage's warnings become core.warning annotations", () => {
  const options = storageOptions({ endpointUrl: 'http://127.0.0.1:9' } as ActionInputs);

  options.warn?.('the S3 store at http://127.0.0.1:9 refused If-None-Match: * (HTTP 501)');

  expect(options.endpointUrl).toBe('http://127.0.0.1:9');
  expect(warnings).toEqual([
    'the S3 store at http://127.0.0.1:9 refused If-None-Match: * (HTTP 501)',
  ]);
});

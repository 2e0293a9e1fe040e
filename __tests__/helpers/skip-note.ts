import { test } from '@jest/globals';

/**
 * Says in one line why a case did not run. Jest's `silent` drops console output (and a
 * console line comes with a stack trace), so this writes straight to stderr.
 */
export function skipNote(reason: string): void {
  process.stderr.write(`skipped: ${reason}\n`);
}

type TestFn = (name: string, fn: () => Promise<unknown> | void, timeout?: number) => void;

/**
 * `test` when `reason` is undefined; else a `test.skip` that prints one `skipped:` line
 * per case, with the case's name and the reason (Jest's own report only counts skips).
 */
export function testUnless(reason: string | undefined): TestFn {
  if (reason === undefined) return test;
  return (name, fn, timeout) => {
    skipNote(`"${name}": ${reason}`);
    test.skip(name, fn, timeout);
  };
}

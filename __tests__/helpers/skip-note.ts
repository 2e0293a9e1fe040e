/**
 * Says in one line why a case did not run. Jest's `silent` drops console output (and a
 * console line comes with a stack trace), so this writes straight to stderr.
 */
export function skipNote(reason: string): void {
  process.stderr.write(`skipped: ${reason}\n`);
}

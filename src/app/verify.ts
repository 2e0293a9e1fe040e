import type { DeltaSpace } from '../core/models.js';
import type { VerifyResult } from '../core/verifier.js';
import type { App } from './create-app.js';

export interface VerifyRequest {
  space: DeltaSpace;
  /** The files to verify; none: every file of the DeltaSpace. */
  names?: readonly string[];
}

/** `verify`: rebuilds each file from the bucket, keeping nothing, and checks its sha256. */
export async function verify(
  app: App,
  { space, names = [] }: VerifyRequest,
): Promise<VerifyResult[]> {
  const { verifier } = app.core;
  if (names.length === 0) return verifier.verifyAll(space);
  const results: VerifyResult[] = [];
  for (const name of names) results.push(await verifier.verify(space, name));
  return results;
}

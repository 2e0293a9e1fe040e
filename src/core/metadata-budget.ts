// S3 allows 2 KB of user metadata per object: the UTF-8 bytes of every `x-amz-meta-`
// name (without the prefix) and value, summed; a write over it fails with 400
// MetadataTooLarge (some S3-compatible stores allow less, docs/providers.md). Everything
// we write is bounded by design except two things the user chooses: the file name
// (dg-original-name, dg-source-name) and the DeltaSpace prefix (inside dg-ref-key).
// `dg-delta-cmd` stops repeating the name when it grows (metadata.ts). So an upload whose
// name and prefix could not fit is refused before anything is written, with the numbers.
import type { Metadata } from '../ports.js';
import { extraReferenceKey } from './delta-space.js';
import { InputError } from './errors.js';
import { encodeDelta, encodeReference, MAX_DELTA_CMD_CHARS, ZERO_DIFF_NOTE } from './metadata.js';
import type { DeltaSpace } from './models.js';
import { SKETCH_SIZE } from './references/sketch.js';

/** S3's limit on user metadata per object, in bytes. */
export const METADATA_LIMIT_BYTES = 2048;

/** User metadata as S3 counts it: bytes of each name and value. */
export function metadataBytes(metadata: Metadata): number {
  let total = 0;
  for (const [name, value] of Object.entries(metadata)) {
    total += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
  }
  return total;
}

const SHA = 'f'.repeat(64);
const HUGE = Number.MAX_SAFE_INTEGER;

/**
 * The most metadata any object of `name` in `space` can get: an archive-aware delta
 * against an extra reference (the longest dg-ref-key), every optional field at its
 * longest, or the reference with a full sketch.
 */
export function worstCaseMetadataBytes(space: DeltaSpace, name: string): number {
  const delta = encodeDelta({
    originalName: name,
    sha256: SHA,
    size: HUGE,
    createdAt: new Date(),
    refKey: extraReferenceKey(space, SHA),
    refSha256: SHA,
    deltaSize: HUGE,
    deltaCmd: 'x'.repeat(MAX_DELTA_CMD_CHARS),
    note: ZERO_DIFF_NOTE, // the only note a delta carries
    archive: {
      codec: 'gzip',
      refView: 'view-v2',
      expandedSize: HUGE,
      expandedSha256: SHA,
      refViewSize: HUGE,
      refViewSha256: SHA,
    },
  });
  const reference = encodeReference({
    sourceName: name,
    sha256: SHA,
    createdAt: new Date(),
    // Base64 of SKETCH_SIZE 4-byte fingerprints.
    sketch: 'x'.repeat(4 * Math.ceil((SKETCH_SIZE * 4) / 3)),
  });
  return Math.max(metadataBytes(delta), metadataBytes(reference));
}

/** Refuses a name that, in this DeltaSpace, could make metadata S3 would refuse. */
export function assertMetadataFits(space: DeltaSpace, name: string): void {
  const bytes = worstCaseMetadataBytes(space, name);
  if (bytes <= METADATA_LIMIT_BYTES) return;
  throw new InputError(
    `File name "${name}" in the DeltaSpace "${space.prefix}" needs up to ${bytes} bytes of ` +
      `S3 metadata (the name is stored in dg-original-name, the prefix in dg-ref-key), and S3 ` +
      `allows ${METADATA_LIMIT_BYTES}`,
    `Shorten the file name or the S3 prefix by at least ${bytes - METADATA_LIMIT_BYTES} bytes ` +
      '(a non-ASCII character takes 3 to 6 bytes once encoded)',
    { code: 'unsafe-name' },
  );
}

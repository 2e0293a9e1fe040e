// Which files are worth storing as deltas. A delta only pays when the file is large
// enough and shares bytes with other versions; text, media and checksums rarely do, and
// compressed content cannot be delta'd byte-exactly for the DeltaGlider CLI (docs/format.md,
// "Deltas and integrity"), so those go direct.

/** Below this size the fixed cost of a delta (and of a reference) is not worth it. */
export const MIN_DELTA_BYTES = 1024 * 1024;

/** How many leading bytes `classify` looks at. */
export const SNIFF_BYTES = 8192;

const CANDIDATE_EXTENSIONS = new Set(
  'zip tar gz tgz bz2 xz 7z rar jar war ear apk aab ipa dmg pkg deb rpm iso img vhd vhdx vmdk qcow2 msi exe dll so dylib bin wasm whl nupkg'.split(
    ' ',
  ),
);

const DIRECT_EXTENSIONS = new Set(
  [
    'txt md rst json yaml yml toml xml html htm css csv tsv log ini cfg conf',
    'jpg jpeg png gif webp svg ico bmp tif tiff mp3 mp4 m4a ogg wav flac mov avi mkv webm',
    'sha1 sha256 sha512 md5 sig asc pem crt key pub',
  ]
    .join(' ')
    .split(' '),
);

export type Eligibility = { eligible: true } | { eligible: false; reason: string };

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** Magic numbers that make xdelta3 (and the DeltaGlider CLI) transcode instead of diff. */
export function compressedFormat(head: Uint8Array): string | undefined {
  const at = (i: number) => head[i];
  if (at(0) === 0x1f && at(1) === 0x8b) return 'gzip';
  if (at(0) === 0x1f && at(1) === 0x9d) return 'compress';
  if (at(0) === 0x42 && at(1) === 0x5a && at(2) === 0x68) return 'bzip2';
  const xz = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
  if (xz.every((b, i) => at(i) === b)) return 'xz';
  return undefined;
}

/**
 * The containers archive-aware deltas read (src/adapters/archive sniffs the same magic):
 * a gzip member or a zip's first local header.
 */
export function archiveContainer(head: Uint8Array): 'gzip' | 'zip' | undefined {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip';
  return undefined;
}

/** Heuristic: no NUL byte and almost only printable characters means text. */
export function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return true;
  let suspicious = 0;
  for (const byte of head) {
    if (byte === 0) return false;
    const control = byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d;
    if (control || byte === 0x7f) suspicious++;
  }
  return suspicious / head.length < 0.02;
}

/**
 * Decides whether a file is a delta candidate, from its name, its size and its first
 * `SNIFF_BYTES` bytes.
 */
export function classify(
  name: string,
  size: number,
  head: Uint8Array,
  minDeltaBytes = MIN_DELTA_BYTES,
): Eligibility {
  if (size < minDeltaBytes) {
    return { eligible: false, reason: `smaller than ${minDeltaBytes} bytes` };
  }
  const compressed = compressedFormat(head);
  if (compressed) {
    return {
      eligible: false,
      reason: `${compressed}-compressed content (the DeltaGlider CLI cannot rebuild it byte-exact from a delta)`,
    };
  }
  const ext = extensionOf(name);
  if (CANDIDATE_EXTENSIONS.has(ext)) return { eligible: true };
  if (DIRECT_EXTENSIONS.has(ext)) {
    return { eligible: false, reason: `.${ext} files rarely share bytes between versions` };
  }
  if (looksLikeText(head)) {
    return { eligible: false, reason: 'text content' };
  }
  return { eligible: true };
}

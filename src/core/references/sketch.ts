// A content sketch: a few dozen numbers that estimate how much content two files share,
// without either file at hand. The file is cut into content-defined chunks (a gear
// rolling hash hits a boundary pattern about once per 512 bytes, wherever the bytes sit,
// so an insertion moves boundaries only locally), each chunk is fingerprinted, and
// the SKETCH_SIZE smallest fingerprints are kept (a bottom-k MinHash). Two sketches give
// an estimate of the Jaccard similarity of the two files' chunk sets, which ranks the
// references worth a trial encode. A reference's sketch is stored in its metadata
// (`dg-ref-sketch`) when it is created, so choosing never downloads a reference.

/** Fingerprints kept: 64 x 4 bytes is 344 base64 characters of metadata (S3 allows 2 KB). */
export const SKETCH_SIZE = 64;

/** Top bits of the gear hash that must be zero at a chunk boundary: chunks of ~512 bytes. */
const ANCHOR_BITS = 9;

/** Computes sketches of local files (an adapter streams the file into a SketchBuilder). */
export interface ContentSketcher {
  sketchFile(path: string): Promise<Sketch>;
}

/** Sorted, distinct 32-bit fingerprints, at most SKETCH_SIZE. */
export type Sketch = readonly number[];

function table(seed: number): Uint32Array {
  const out = new Uint32Array(256);
  let x = seed >>> 0;
  for (let i = 0; i < 256; i++) {
    // xorshift32: a fixed table, the same on every machine and every release.
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x;
  }
  return out;
}

const GEAR = table(0x9e3779b9);

/** Feeds a file's bytes in order; `finish` gives its sketch. */
export class SketchBuilder {
  private gear = 0;
  private chunk = FNV_OFFSET;
  private readonly fingerprints = new Set<number>();

  update(bytes: Uint8Array): void {
    let gear = this.gear;
    let chunk = this.chunk;
    const shift = 32 - ANCHOR_BITS;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      // int32 arithmetic throughout: V8 keeps it in registers.
      gear = ((gear << 1) + GEAR[b]!) | 0;
      chunk = Math.imul(chunk ^ b, FNV_PRIME);
      if (gear >>> shift === 0) {
        // A chunk ends here: its fingerprint covers all of its bytes, so two files share
        // it only where they share the whole run of content.
        this.fingerprints.add(mix(chunk));
        chunk = FNV_OFFSET;
      }
    }
    this.gear = gear;
    this.chunk = chunk;
  }

  finish(): Sketch {
    return [...this.fingerprints].sort((a, b) => a - b).slice(0, SKETCH_SIZE);
  }
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** murmur3's finalizer: spreads the bits so the smallest values are a fair sample. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Estimated share of chunks two files have in common, 0..1 (bottom-k Jaccard). */
export function similarity(a: Sketch, b: Sketch): number {
  const inA = new Set(a);
  const inB = new Set(b);
  const union = [...new Set([...a, ...b])].sort((x, y) => x - y).slice(0, SKETCH_SIZE);
  if (union.length === 0) return 0;
  const both = union.filter((v) => inA.has(v) && inB.has(v)).length;
  return both / union.length;
}

/** The `dg-ref-sketch` value: big-endian fingerprints, base64. */
export function encodeSketch(sketch: Sketch): string {
  const bytes = Buffer.alloc(sketch.length * 4);
  sketch.forEach((v, i) => bytes.writeUInt32BE(v, i * 4));
  return bytes.toString('base64');
}

/** Reads a `dg-ref-sketch` value; anything malformed (it is untrusted) is no sketch. */
export function decodeSketch(value: string | undefined): Sketch | undefined {
  if (value === undefined || value.length > 4 * Math.ceil((SKETCH_SIZE * 4) / 3)) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length % 4 !== 0 || bytes.length === 0) return undefined;
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) out.push(bytes.readUInt32BE(i));
  return [...new Set(out)].sort((x, y) => x - y);
}

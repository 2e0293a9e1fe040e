import type { Metadata } from '../ports.js';
import { TOOL_ID } from './version.js';

// The `dg-*` user metadata of FORMAT.md: written exactly as the contract says, read
// liberally (older DeltaGlider releases wrote other spellings of the same fields).

export interface ReferenceFields {
  sourceName: string;
  sha256: string;
  createdAt: Date;
}

export interface DeltaFields {
  originalName: string;
  sha256: string;
  size: number;
  createdAt: Date;
  refKey: string;
  refSha256: string;
  deltaSize: number;
  deltaCmd: string;
  note?: string;
}

export interface DirectFields {
  originalName: string;
  sha256: string;
  size: number;
  createdAt: Date;
}

export const ZERO_DIFF_NOTE = 'zero-diff (reference identical)';

/** `2026-11-25T16:26:05.453000Z`: ISO-8601 with microseconds, as the reference tool writes. */
export function formatCreatedAt(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function encodeReference(f: ReferenceFields): Metadata {
  return {
    'dg-tool': TOOL_ID,
    'dg-source-name': f.sourceName,
    'dg-file-sha256': f.sha256,
    'dg-created-at': formatCreatedAt(f.createdAt),
    'dg-note': 'reference',
  };
}

export function encodeDelta(f: DeltaFields): Metadata {
  const meta: Metadata = {
    'dg-tool': TOOL_ID,
    'dg-original-name': f.originalName,
    'dg-file-sha256': f.sha256,
    'dg-file-size': String(f.size),
    'dg-created-at': formatCreatedAt(f.createdAt),
    'dg-ref-key': f.refKey,
    'dg-ref-sha256': f.refSha256,
    'dg-delta-size': String(f.deltaSize),
    'dg-delta-cmd': f.deltaCmd,
  };
  if (f.note) meta['dg-note'] = f.note;
  return meta;
}

export function encodeDirect(f: DirectFields): Metadata {
  return {
    'dg-tool': TOOL_ID,
    'dg-original-name': f.originalName,
    'dg-file-sha256': f.sha256,
    'dg-file-size': String(f.size),
    'dg-created-at': formatCreatedAt(f.createdAt),
    'dg-compression': 'none',
  };
}

/**
 * The first non-empty value among the spellings of a field, in the contract's order:
 * `dg-x-y`, `dg_x_y`, `x_y`, `x-y`. Keys are compared lowercase (S3 lowercases them).
 */
export function readField(meta: Metadata, field: string): string | undefined {
  const lower: Metadata = {};
  for (const [k, v] of Object.entries(meta)) lower[k.toLowerCase()] = v;
  const snake = field.replace(/-/g, '_');
  for (const key of [`dg-${field}`, `dg_${snake}`, snake, field]) {
    const value = lower[key];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** What an object's metadata says it is. */
export type DecodedObject =
  | { type: 'plain' }
  | { type: 'direct'; sha256: string; size?: number; originalName?: string }
  | {
      type: 'delta';
      sha256: string;
      size?: number;
      originalName?: string;
      refKey?: string;
      refSha256?: string;
    };

function readSize(meta: Metadata): number | undefined {
  const raw = readField(meta, 'file-size');
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** Classifies a non-reference object by its metadata (FORMAT.md, "Reading"). */
export function decodeObject(meta: Metadata): DecodedObject {
  const sha256 = readField(meta, 'file-sha256')?.toLowerCase();
  if (sha256 === undefined) return { type: 'plain' };
  const size = readSize(meta);
  const originalName = readField(meta, 'original-name');
  if (readField(meta, 'compression') === 'none') {
    return { type: 'direct', sha256, size, originalName };
  }
  return {
    type: 'delta',
    sha256,
    size,
    originalName,
    refKey: readField(meta, 'ref-key'),
    refSha256: readField(meta, 'ref-sha256')?.toLowerCase(),
  };
}

/** The sha256 a reference.bin object declares for its bytes. */
export function referenceSha256(meta: Metadata): string | undefined {
  return readField(meta, 'file-sha256')?.toLowerCase();
}

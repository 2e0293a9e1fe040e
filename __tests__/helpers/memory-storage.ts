import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type {
  DeleteFailure,
  ListedObject,
  Metadata,
  ObjectHead,
  PutOptions,
  PutOutcome,
  StoragePort,
} from '../../src/ports.js';

/**
 * A StoragePort in memory for unit tests of the core (integration tests use a real S3
 * server). It honours `ifAbsent` like S3's If-None-Match, unless told to ignore it the way
 * some S3-compatible stores do, and gives ETags (S3's, of a single-part object) unless
 * told not to, as a store that sends none.
 */
export class MemoryStorage implements StoragePort {
  readonly objects = new Map<string, { body: Buffer; metadata: Metadata }>();
  readonly calls: string[] = [];
  private readonly claimed = new Set<string>();

  constructor(private readonly options: { ignoreIfNoneMatch?: boolean; noEtags?: boolean } = {}) {}

  private id(bucket: string, key: string): string {
    return `${bucket}/${key}`;
  }

  async head(bucket: string, key: string): Promise<ObjectHead | undefined> {
    this.calls.push(`HEAD ${key}`);
    const object = this.objects.get(this.id(bucket, key));
    return (
      object && {
        key,
        size: object.body.length,
        metadata: { ...object.metadata },
        ...(this.options.noEtags ? {} : { etag: etagOf(object.body) }),
      }
    );
  }

  async *list(bucket: string, prefix: string): AsyncIterable<ListedObject> {
    this.calls.push(`LIST ${prefix}`);
    const keys = [...this.objects.keys()]
      .filter((id) => id.startsWith(`${bucket}/${prefix}`))
      .sort();
    for (const id of keys) {
      yield { key: id.slice(bucket.length + 1), size: this.objects.get(id)!.body.length };
    }
  }

  async download(bucket: string, key: string, destPath: string): Promise<void> {
    this.calls.push(`GET ${key}`);
    const object = this.objects.get(this.id(bucket, key));
    if (!object) throw new Error(`NoSuchKey ${key}`);
    await pipeline(Readable.from([object.body]), createWriteStream(destPath));
  }

  async upload(
    bucket: string,
    key: string,
    srcPath: string,
    metadata: Metadata,
    options?: PutOptions,
  ): Promise<PutOutcome> {
    this.calls.push(`PUT ${key}`);
    const id = this.id(bucket, key);
    if (options?.ifAbsent && !this.options.ignoreIfNoneMatch) {
      // Check and claim in one step, as S3 does for conditional writes.
      if (this.objects.has(id) || this.claimed.has(id)) return 'exists';
      this.claimed.add(id);
    }
    // Read through a stream, as the real adapter does, then keep the bytes.
    const chunks: Buffer[] = [];
    for await (const chunk of createReadStream(srcPath)) chunks.push(chunk as Buffer);
    this.objects.set(id, { body: Buffer.concat(chunks), metadata: { ...metadata } });
    return 'created';
  }

  async replaceMetadata(
    bucket: string,
    key: string,
    metadata: Metadata,
    ifMatch: string,
  ): Promise<'replaced' | 'changed'> {
    this.calls.push(`COPY ${key}`);
    const object = this.objects.get(this.id(bucket, key));
    if (!object || etagOf(object.body) !== ifMatch) return 'changed';
    object.metadata = { ...metadata };
    return 'replaced';
  }

  async delete(bucket: string, key: string): Promise<void> {
    this.calls.push(`DELETE ${key}`);
    this.objects.delete(this.id(bucket, key));
  }

  async deleteMany(bucket: string, keys: readonly string[]): Promise<DeleteFailure[]> {
    this.calls.push(`DELETE-MANY ${keys.length}`);
    for (const key of keys) this.objects.delete(this.id(bucket, key));
    return [];
  }

  /** Test hook: replace an object's bytes behind the code's back. */
  async tamper(bucket: string, key: string, body: Buffer): Promise<void> {
    const object = this.objects.get(this.id(bucket, key));
    if (!object) throw new Error(`no object ${key}`);
    object.body = body;
  }

  body(bucket: string, key: string): Buffer | undefined {
    return this.objects.get(this.id(bucket, key))?.body;
  }
}

/** S3's ETag of a single-part object: the MD5 of its bytes, quoted. */
function etagOf(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

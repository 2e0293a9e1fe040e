// What a plain S3 copy does (`aws s3 cp`, or an upload-artifact step): the whole file,
// streamed through @aws-sdk/lib-storage with its defaults (5 MiB parts, 4 at a time), or
// one GetObject streamed to disk. Run as its own process so its time and peak RSS can be
// measured like the action's.
//   node plain-s3.mjs upload <endpoint> <bucket> <prefix> <concurrency> <file>...
//   node plain-s3.mjs download <endpoint> <bucket> <destDir> <concurrency> <key>...
import { createReadStream, createWriteStream } from 'node:fs';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

const [command, endpoint, bucket, ...rest] = process.argv.slice(2);
const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1' });

/** Runs `fn` on every item, `concurrency` at a time. */
async function pool(items, concurrency, fn) {
  const queue = [...items];
  const worker = async () => {
    while (queue.length > 0) await fn(queue.shift());
  };
  await Promise.all(Array.from({ length: Number(concurrency) }, worker));
}

async function downloadOne(destDir, key) {
  const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  await pipeline(Body, createWriteStream(join(destDir, basename(key))));
}

async function uploadOne(prefix, file) {
  await new Upload({
    client,
    params: { Bucket: bucket, Key: `${prefix}${basename(file)}`, Body: createReadStream(file) },
  }).done();
}

try {
  if (command === 'upload') {
    const [prefix, concurrency, ...files] = rest;
    await pool(files, concurrency, (file) => uploadOne(prefix, file));
  } else if (command === 'download') {
    const [destDir, concurrency, ...keys] = rest;
    await pool(keys, concurrency, (key) => downloadOne(destDir, key));
  } else {
    throw new Error(`unknown command ${command}`);
  }
} finally {
  client.destroy();
}

import { parseS3Url } from '../../src/core/s3-url.js';
import { InputError } from '../../src/core/errors.js';
import { spaceFromPrefixUrl, splitObjectUrl } from '../../src/core/delta-space.js';

describe('parseS3Url', () => {
  it.each([
    ['s3://bucket/releases/app/', { bucket: 'bucket', key: 'releases/app/', isPrefix: true }],
    [
      's3://bucket/releases/app.zip',
      { bucket: 'bucket', key: 'releases/app.zip', isPrefix: false },
    ],
    ['s3://my.bucket-1', { bucket: 'my.bucket-1', key: '', isPrefix: true }],
    ['  s3://bucket/x/  ', { bucket: 'bucket', key: 'x/', isPrefix: true }],
  ])('parses %s', (input, expected) => {
    expect(parseS3Url(input)).toEqual(expected);
  });

  it.each([
    ['https://bucket/x', /not an S3 URL/],
    ['s3://', /valid bucket/],
    ['s3://Bad_Bucket/x', /valid bucket/],
    ['s3://bucket//x', /empty path segment/],
    ['s3://bucket/a/../b', /"\." or "\.\."/],
  ])('rejects %s with an InputError that shows the expected form', (input, pattern) => {
    const call = () => parseS3Url(input);
    expect(call).toThrow(InputError);
    expect(call).toThrow(pattern);
    try {
      call();
    } catch (error) {
      expect((error as InputError).describe()).toContain('s3://bucket/prefix/');
    }
  });
});

describe('DeltaSpace from URLs', () => {
  it('takes the prefix without its trailing slash, root as empty', () => {
    expect(spaceFromPrefixUrl(parseS3Url('s3://bkt/releases/app/'))).toEqual({
      bucket: 'bkt',
      prefix: 'releases/app',
    });
    expect(spaceFromPrefixUrl(parseS3Url('s3://bkt/'))).toEqual({ bucket: 'bkt', prefix: '' });
  });

  it('splits an object URL into its DeltaSpace and logical name, accepting the .delta key', () => {
    expect(splitObjectUrl(parseS3Url('s3://bkt/rel/app.zip'))).toEqual({
      space: { bucket: 'bkt', prefix: 'rel' },
      name: 'app.zip',
    });
    expect(splitObjectUrl(parseS3Url('s3://bkt/rel/app.zip.delta')).name).toBe('app.zip');
    expect(splitObjectUrl(parseS3Url('s3://bkt/app.zip')).space.prefix).toBe('');
  });
});

import { ownHint, type DeltaGliderError, type Setting, type ShellHints } from '../core/errors.js';

// What the `deltaglider` command tells people to do about an error, in the words of a
// command line: arguments, flags and environment variables. The errors themselves say
// what happened; src/action/hints.ts words the same advice with the action's inputs.

/** The argument, flag or variable that sets each setting. */
export const CLI_SETTINGS: Readonly<Record<Setting, string>> = {
  location: 'the S3 URL argument',
  path: 'the local path argument',
  overwrite: '--overwrite / -n (--no-overwrite)',
  'archive-aware': '--archive-aware / --no-archive-aware (or DG_ARCHIVE_AWARE)',
  endpoint: '--endpoint-url (or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)',
  region: '--region (or AWS_REGION)',
  'max-attempts': 'AWS_MAX_ATTEMPTS',
  concurrency: '--concurrency',
  'cache-dir': '--cache-dir',
  // The CLI runs the xdelta3 it is given; it never downloads or installs one.
  'xdelta3-path': '--xdelta3-path',
  'xdelta3-url': '--xdelta3-path',
  'xdelta3-sha256': '--xdelta3-path',
  'xdelta3-version': '--xdelta3-path',
  'xdelta3-install': '--xdelta3-path',
};

const INSTALL_XDELTA3 =
  'Install xdelta3 (apt-get install xdelta3, brew install xdelta), or give its location with --xdelta3-path';

/** "… (--endpoint-url (or AWS_ENDPOINT_URL))": the flag a bad setting is about. */
function flagOf(error: DeltaGliderError): string | undefined {
  const { setting } = error.fields;
  if (!setting) return error.hint;
  return error.hint ? `${error.hint} (${CLI_SETTINGS[setting]})` : `Check ${CLI_SETTINGS[setting]}`;
}

export const CLI_HINTS: ShellHints = {
  'bad-input': ownHint,
  'bad-url': ownHint,
  'bad-setting': flagOf,
  'missing-file': () => 'Check the path you gave',
  'name-clash': () =>
    'Each file is stored as <prefix>/<basename>; upload them to different S3 URLs (prefixes) or rename one',
  'unsafe-name': ownHint,
  'reserved-name': () =>
    'Nothing was uploaded. Rename that folder or file, or leave it out ' +
    '(sync: --exclude "*.dg-refs/*" --exclude "*.deltaglider/*")',
  'empty-space': () =>
    'Check the S3 URL: a DeltaSpace URL ends with "/" and names the prefix the files were ' +
    'uploaded to; "deltaglider ls" shows what is there',
  'would-overwrite': () =>
    'Nothing was downloaded. Allow replacing them (--overwrite, the default, instead of ' +
    '-n/--no-overwrite), or download into another directory',
  'not-found': ownHint,
  'no-such-file': () => 'Check the S3 URL, or list the DeltaSpace with "deltaglider ls"',
  integrity: ownHint,
  'output-limit': ownHint,
  'foreign-reference': () =>
    'It was not written by DeltaGlider, or was changed behind it; move it away or upload to another S3 URL',
  'archive-aware-mismatch': () =>
    'Nothing was stored; upload this file with --no-archive-aware, and report the bug',
  'reference-never-appeared': () =>
    'Run the command again; if it persists, check for stuck uploads to this DeltaSpace',
  'reference-kept-changing': () =>
    'Other writers keep replacing the reference; run the command again once they are done',
  'unsupported-format': ({ fields: { release } }) =>
    release
      ? `Upgrade the deltaglider CLI to ${release} or later (npx @deltaglider-action/cli@${release.split('.')[0]})`
      : 'Upgrade the deltaglider CLI to the version that wrote it',
  'local-file': ownHint,
  'source-changed': () => 'Run the command again once nothing else writes to the file',
  'xdelta3-missing': () => INSTALL_XDELTA3,
  'xdelta3-failed': ownHint,
  'xdelta3-unusable': (error) => `${error.hint} (--xdelta3-path)`,
  'xdelta3-download': () => INSTALL_XDELTA3,
  'xdelta3-checksum': ownHint,
  'xdelta3-archive': ownHint,
  'xdelta3-unavailable': () => INSTALL_XDELTA3,
  'storage-no-credentials': () =>
    'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary ' +
    'keys), or name a configured profile with --profile (aws configure, aws sso login)',
  'storage-bad-credentials': () =>
    'Check that AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) belong together ' +
    'and have not expired, or renew the session of your --profile (aws sso login)',
  'storage-unreachable': () =>
    'Check --endpoint-url (or AWS_ENDPOINT_URL) and that the server is running and reachable',
  'storage-dropped': () =>
    'Run the command again, and raise AWS_MAX_ATTEMPTS if the network to this endpoint is flaky',
  'storage-timeout': () =>
    'Run the command again, and raise AWS_MAX_ATTEMPTS if the endpoint is slow',
  'storage-no-bucket': () => 'Check the bucket in the S3 URL, and --endpoint-url',
  'storage-no-key': ownHint,
  'storage-wrong-region': () => 'Set --region (or AWS_REGION) to the bucket region',
  'storage-denied': ownHint,
  'storage-failed': ownHint,
  failed: ownHint,
};

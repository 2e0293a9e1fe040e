import { ownHint, type DeltaGliderError, type Setting, type ShellHints } from '../core/errors.js';

// What the action tells people to do about an error, in the words of its workflow: input
// names (`s3-url`, `overwrite: true`), steps and runners. The errors themselves say what
// happened; src/cli/hints.ts words the same advice with the CLI's flags.

/** The input that sets each setting. */
export const ACTION_SETTINGS: Readonly<Record<Setting, string>> = {
  location: 's3-url',
  path: 'path',
  overwrite: 'overwrite',
  'archive-aware': 'archive-aware',
  endpoint: 'endpoint-url (or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)',
  region: 'region',
  'max-attempts': 'max-attempts',
  concurrency: 'concurrency',
  // The action keeps its local reference cache under the runner's temporary directory.
  'cache-dir': 'RUNNER_TEMP',
  'xdelta3-path': 'xdelta3-path',
  'xdelta3-url': 'xdelta3-url',
  'xdelta3-sha256': 'xdelta3-sha256',
  'xdelta3-version': 'xdelta3-version',
  'xdelta3-install': 'xdelta3-install',
};

const XDELTA3_CHOICES =
  'set xdelta3-path to an xdelta3 executable; set xdelta3-url and xdelta3-sha256 to a .tar.gz ' +
  'or .zip archive that contains one (e.g. your mirror); or install xdelta3 in an earlier step ' +
  '(apt-get install xdelta3, brew install xdelta)';

/** "… (input xdelta3-sha256, with xdelta3-url)": the inputs a bad setting is about. */
function inputsOf(error: DeltaGliderError): string | undefined {
  const { setting, other } = error.fields;
  if (!setting) return error.hint;
  const inputs = `input ${ACTION_SETTINGS[setting]}${other ? `, with ${ACTION_SETTINGS[other]}` : ''}`;
  return error.hint ? `${error.hint} (${inputs})` : `Check the ${inputs}`;
}

export const ACTION_HINTS: ShellHints = {
  'bad-input': ownHint,
  'bad-url': ownHint,
  'bad-setting': inputsOf,
  'missing-file': () => 'Check the path input',
  'name-clash': () =>
    'Each file is stored as <prefix>/<basename>; upload them to different s3-url prefixes or rename one',
  'reserved-name': () =>
    'Nothing was uploaded. Rename that folder or file, or leave it out of the path input ' +
    '(a "!" pattern; sync: a line "exclude *.dg-refs/*" in filters)',
  'unsafe-name': ownHint,
  'empty-space': () =>
    'Check the s3-url: a DeltaSpace URL ends with "/" and names the prefix the files were uploaded to',
  'would-overwrite': () =>
    'Nothing was downloaded. Allow replacing them (overwrite: true), or download into another directory',
  'not-found': ownHint,
  'no-such-file': () => 'Check the s3-url, or list the DeltaSpace to see the names it holds',
  integrity: ownHint,
  'output-limit': ownHint,
  'foreign-reference': () =>
    'It was not written by DeltaGlider, or was changed behind it; move it away or use another s3-url',
  'archive-aware-mismatch': () =>
    'Nothing was stored; set archive-aware: false to store this file without it, and report the bug',
  'reference-never-appeared': () =>
    'Re-run the step; if it persists, check for stuck uploads to this DeltaSpace',
  'reference-kept-changing': () =>
    'Other writers keep replacing the reference; re-run the step once they are done',
  'unsupported-format': ({ fields: { release } }) =>
    release
      ? `Use deltaglider/action ${release} or later: @v${release.split('.')[0]} once it is released`
      : 'Upgrade deltaglider/action to the version that wrote it',
  'local-file': ownHint,
  'source-changed': () => 'Re-run the step once nothing else writes to the file',
  'xdelta3-missing': () =>
    'Install it (apt-get install xdelta3, brew install xdelta) or set the xdelta3-path input',
  'xdelta3-failed': ownHint,
  'xdelta3-unusable': (error) =>
    `${error.hint} (set xdelta3-path, or xdelta3-url + xdelta3-sha256)`,
  'xdelta3-download': () =>
    'Check that the URL is right and reachable from this runner, or set xdelta3-path to a binary already on the runner',
  'xdelta3-checksum': () =>
    'If you set xdelta3-url, make xdelta3-sha256 the sha256 of the archive at that URL; otherwise ' +
    'the download was corrupted or the release asset changed: report it',
  'xdelta3-archive': ownHint,
  'xdelta3-unavailable': () => `Fix it with one of: ${XDELTA3_CHOICES}`,
  'storage-no-credentials': () =>
    'In a workflow, add a step with aws-actions/configure-aws-credentials (OIDC role, needs ' +
    '`permissions: id-token: write`) before this one, or set AWS_ACCESS_KEY_ID and ' +
    'AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary keys) in the environment',
  'storage-bad-credentials': () =>
    'Check that AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) belong together ' +
    'and have not expired, or re-run aws-actions/configure-aws-credentials',
  'storage-unreachable': () =>
    'Check endpoint-url and that the server is running and reachable from this runner',
  'storage-dropped': () =>
    'Re-run the step, and raise max-attempts if the network to this endpoint is flaky',
  'storage-timeout': () => 'Re-run the step, and raise max-attempts if the endpoint is slow',
  'storage-no-bucket': () => 'Check s3-url (the bucket) and endpoint-url',
  'storage-no-key': ownHint,
  'storage-wrong-region': () => 'Set the region input or AWS_REGION to the bucket region',
  'storage-denied': ownHint,
  'storage-failed': ownHint,
  failed: ownHint,
};

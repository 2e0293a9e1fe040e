import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import {
  assertValidName,
  directKey,
  spaceFromPrefixUrl,
  splitObjectUrl,
} from '../core/delta-space.js';
import { InputError, NotFoundError } from '../core/errors.js';
import { totalsOf, type DeltaSpace, type FileResult } from '../core/models.js';
import { refuseReservedKeys } from '../core/reserved.js';
import { formatS3Url, parseS3Url, type S3Url } from '../core/s3-url.js';
import { defineCommand, withSession, type CommandContext } from './command.js';
import { formatBytes, savedPercent } from '../core/format.js';
import { fileJson, fileRecord, sharedSpaceUrl, totalsJson } from '../core/report.js';
import { downloadPackedInto, readPackName, uploadPackedDir } from './cp-pack.js';
import { printJson, terminalText } from './output.js';
import { downloadAs, download, prepareDownload } from '../app/download.js';
import { walk } from '../app/ls.js';
import { upload, uploadAs } from '../app/upload.js';
import type { Session } from './session.js';

interface CpOptions {
  recursive: boolean;
  /** `--pack NAME`: a directory as one tar (cp-pack.ts). */
  pack?: string;
  /** Downloads: replace existing files with other bytes (default, as cp and aws s3 cp do). */
  overwrite: boolean;
}

/** A file handled by cp, with where it went or came from. */
interface Copied {
  result: FileResult;
  space: DeltaSpace;
  local: string;
  remote: string;
}

export const cpCommand = defineCommand<CpOptions>({
  name: 'cp',
  summary: 'upload files into a DeltaSpace, or download them',
  usage: [
    'deltaglider cp [options] FILE s3://BUCKET/PREFIX/[NAME]',
    'deltaglider cp -r [options] DIR s3://BUCKET/PREFIX/',
    'deltaglider cp [options] s3://BUCKET/PREFIX/NAME PATH',
    'deltaglider cp -r [options] s3://BUCKET/PREFIX/ DIR',
  ],
  description: `Uploads store each file as a delta against the DeltaSpace's reference (the first
file stored there), or whole when a delta would not pay. The DeltaSpace is the
destination's prefix: s3://b/releases/app/ and s3://b/releases/app/app.zip both
upload into releases/app. A destination that names a file (no trailing "/") gives
the stored file that name. With -r, the files directly in DIR go to PREFIX, and each
subdirectory becomes its own DeltaSpace below it (DIR/lib/x.zip -> PREFIX/lib/).

Downloads rebuild each file and check its sha256 before it appears at PATH. PATH
is a directory (existing, or ending with "/") or the file to write. With -r, every
file of the DeltaSpace is downloaded, and each DeltaSpace below it into the
subdirectory of the same name.

Like cp and aws s3 cp, a download replaces existing files. With -n (--no-overwrite),
an existing file with other bytes is an error that names it, and nothing is written;
files already identical count as downloaded.`,
  options: {
    recursive: { type: 'boolean', short: 'r' },
    overwrite: { type: 'boolean' },
    'no-overwrite': { type: 'boolean', short: 'n' },
    pack: { type: 'string' },
  },
  optionsHelp: `  -r, --recursive       copy a directory tree: each directory is one DeltaSpace
  --overwrite           downloads replace existing files (the default)
  -n, --no-overwrite    downloads never replace a file with other bytes: error, nothing written
  --pack NAME.tar       upload: DIR as one deterministic tar stored as NAME.tar (modes kept);
                        download: that tar unpacked into DIR, entries leaving it refused`,
  readOwn: (values) => ({
    recursive: values.recursive === true,
    overwrite: readOverwrite(values.overwrite === true, values['no-overwrite'] === true),
    pack: readPackName(values.pack),
  }),
  positionals: { min: 2, max: 2, what: 'a SOURCE and a DEST, one of them an s3:// URL' },
  examples: [
    'deltaglider cp build/app-1.2.0.zip s3://releases/app/',
    'deltaglider cp build/app.zip s3://releases/app/app-1.2.0.zip',
    'deltaglider cp -r dist/ s3://releases/app/v1.2.0/',
    'deltaglider cp s3://releases/app/app-1.2.0.zip ./downloads/',
    'deltaglider cp -r s3://releases/app/ ./mirror/',
    'deltaglider cp --pack build.tar dist/ s3://builds/app/main/',
    'deltaglider cp --pack build.tar s3://builds/app/main/ dist/',
  ],
  async run(context) {
    const [source, dest] = context.positionals as [string, string];
    const upload = isS3(dest);
    if (isS3(source) === upload) {
      throw new InputError(
        isS3(source)
          ? 'Copies from S3 to S3 are not supported'
          : `Neither "${source}" nor "${dest}" is an s3:// URL`,
        'One side is a local path, the other s3://bucket/prefix/...',
      );
    }
    const { pack } = context.own;
    const copied = await withSession(context, async (session) =>
      pack
        ? [
            upload
              ? await uploadPackedDir(session, pack, source, parseS3Url(dest))
              : await downloadPackedInto(
                  session,
                  pack,
                  parseS3Url(source),
                  dest,
                  context.own.overwrite,
                ),
          ]
        : upload
          ? uploadFrom(context, session, source, parseS3Url(dest))
          : downloadTo(context, session, parseS3Url(source), dest),
    );
    report(context, upload ? 'upload' : 'download', copied);
    return 0;
  },
});

function readOverwrite(overwrite: boolean, noOverwrite: boolean): boolean {
  if (overwrite && noOverwrite) {
    throw new InputError('--overwrite and --no-overwrite contradict each other', 'Give one');
  }
  return !noOverwrite;
}

function isS3(argument: string): boolean {
  return argument.startsWith('s3://');
}

async function uploadFrom(
  context: CommandContext<CpOptions>,
  session: Session,
  source: string,
  url: S3Url,
): Promise<Copied[]> {
  const info = await stat(source).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new InputError(`${source} does not exist`);
    throw error;
  });
  if (!info.isDirectory()) {
    const { space, name } = uploadTarget(url, basename(source));
    const result = await uploadAs(session.app, { path: source, space, name });
    return [{ result, space, local: source, remote: logicalUrl(space, result.name) }];
  }
  if (!context.own.recursive) {
    throw new InputError(`${source} is a directory`, 'Add -r to upload the files in it');
  }
  const root = spaceFromPrefixUrl(url);
  const groups = await filesByDirectory(source, session);
  if (groups.length === 0) throw new InputError(`${source} holds no files`);
  const spaces = groups.map((group) => ({
    bucket: root.bucket,
    prefix: [root.prefix, ...group.segments].filter(Boolean).join('/'),
  }));
  // Every name and key is checked before anything is written.
  for (const group of groups) for (const file of group.files) assertValidName(basename(file));
  refuseReservedKeys(
    root.bucket,
    groups.flatMap((group, i) =>
      group.files.map((path) => ({ key: directKey(spaces[i]!, basename(path)), path })),
    ),
  );
  const copied: Copied[] = [];
  for (const [i, group] of groups.entries()) {
    const space = spaces[i]!;
    const { results } = await upload(session.app, { files: group.files, space });
    results.forEach((result, i) => {
      copied.push({
        result,
        space,
        local: group.files[i]!,
        remote: logicalUrl(space, result.name),
      });
    });
  }
  return copied;
}

/** `s3://b/p/` keeps the file's own name; `s3://b/p/name` stores it under `name`. */
function uploadTarget(url: S3Url, fileName: string): { space: DeltaSpace; name: string } {
  if (url.isPrefix) return { space: spaceFromPrefixUrl(url), name: fileName };
  const slash = url.key.lastIndexOf('/');
  return {
    space: { bucket: url.bucket, prefix: slash === -1 ? '' : url.key.slice(0, slash) },
    name: url.key.slice(slash + 1),
  };
}

interface LocalGroup {
  /** Path segments of the directory below the root ([] for the root itself). */
  segments: string[];
  files: string[];
}

/**
 * Regular files of a directory tree, grouped by directory, in name order. Symbolic links
 * to files are followed; links to directories are not (they could loop).
 */
async function filesByDirectory(root: string, session: Session): Promise<LocalGroup[]> {
  const groups: LocalGroup[] = [];
  const visit = async (dir: string, segments: string[]): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    const files: string[] = [];
    const subdirs: string[] = [];
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isFile()) files.push(path);
      else if (entry.isDirectory()) subdirs.push(entry.name);
      else if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => undefined);
        if (target?.isFile()) files.push(path);
        else session.log.warning(`Skipping ${path}: a link to a directory, or a broken link`);
      }
    }
    if (files.length > 0) groups.push({ segments, files });
    for (const sub of subdirs) await visit(join(dir, sub), [...segments, sub]);
  };
  await visit(root, []);
  return groups;
}

async function downloadTo(
  context: CommandContext<CpOptions>,
  session: Session,
  url: S3Url,
  dest: string,
): Promise<Copied[]> {
  const { app } = session;
  if (!context.own.recursive) {
    if (url.isPrefix) {
      throw new InputError(
        `${formatS3Url(url.bucket, url.key)} names a DeltaSpace, not a file`,
        'Add -r to download every file in it, or name one file',
      );
    }
    const { space, name } = splitObjectUrl(url);
    const intoDirectory = await isDirectoryTarget(dest);
    const options = { overwrite: context.own.overwrite };
    const result = intoDirectory
      ? (await download(app, { space, name, destDir: dest, ...options }))[0]!
      : await downloadAs(app, { space, name, destPath: resolve(dest), ...options });
    return [
      {
        result,
        space,
        local: intoDirectory ? join(dest, name) : dest,
        remote: logicalUrl(space, name),
      },
    ];
  }
  const root = spaceFromPrefixUrl(url);
  const directories = (await walk(app, { bucket: root.bucket, prefix: root.prefix })).filter(
    (d) => d.objects.length > 0,
  );
  if (directories.length === 0) {
    throw new NotFoundError(
      `Nothing to download under ${formatS3Url(root.bucket, root.prefix === '' ? '' : `${root.prefix}/`)}`,
      'Check the URL, or list it with "deltaglider ls"',
    );
  }
  // Every destination of every DeltaSpace is checked before anything is written.
  const planned = [];
  for (const directory of directories) {
    const below = directory.prefix.slice(root.prefix.length).replace(/^\//, '');
    const localDir = join(dest, ...below.split('/').filter(Boolean));
    const space = { bucket: root.bucket, prefix: directory.prefix };
    const run = await prepareDownload(app, {
      space,
      destDir: localDir,
      overwrite: context.own.overwrite,
    });
    planned.push({ space, localDir, run });
  }
  const copied: Copied[] = [];
  for (const { space, localDir, run } of planned) {
    for (const result of await run()) {
      copied.push({
        result,
        space,
        local: join(localDir, result.name),
        remote: logicalUrl(space, result.name),
      });
    }
  }
  return copied;
}

/** An existing directory, or a path written as one (trailing separator, "." or ".."). */
async function isDirectoryTarget(path: string): Promise<boolean> {
  if (path.endsWith('/') || path.endsWith(sep) || path === '.' || path === '..') return true;
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

function logicalUrl(space: DeltaSpace, name: string): string {
  return formatS3Url(space.bucket, directKey(space, name));
}

function report(
  context: CommandContext<CpOptions>,
  verb: 'upload' | 'download',
  copied: Copied[],
): void {
  const { io, global } = context;
  const results = copied.map((c) => c.result);
  if (global.json) {
    const records = copied.map((c) => fileRecord(c.space, c.result));
    const spaceUrl = sharedSpaceUrl(records);
    printJson(io, {
      ...(spaceUrl ? { 'delta-space-url': spaceUrl } : {}),
      ...totalsJson(totalsOf(results)),
      results: records.map((r, i) => ({ ...fileJson(r), path: copied[i]!.local })),
    });
    return;
  }
  for (const { result: r, local, remote } of copied) {
    const [from, to] = verb === 'upload' ? [local, remote] : [remote, local];
    const stored =
      verb === 'upload'
        ? `${r.kind}: ${formatBytes(r.originalBytes)} stored as ${formatBytes(r.storedBytes)}, ${savedPercent(r.originalBytes, r.storedBytes)} saved`
        : `${r.kind}, ${formatBytes(r.originalBytes)}`;
    io.out(`${terminalText(`${verb}: ${from} -> ${to} (${stored})`)}\n`);
  }
  if (copied.length > 1 && verb === 'upload') {
    const t = totalsOf(results);
    io.out(
      `${t.files} files: ${formatBytes(t.originalBytes)} stored as ${formatBytes(t.storedBytes)}, ${savedPercent(t.originalBytes, t.storedBytes)} saved\n`,
    );
  }
}

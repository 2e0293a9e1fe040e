import { formatSpace, splitObjectUrl } from '../core/delta-space.js';
import { NotFoundError } from '../core/errors.js';
import { kindLabel, referencesNote, sizeCells } from '../core/format.js';
import { totalsOf, type DeltaSpace, type LogicalFile } from '../core/models.js';
import { fileRecord, filesJson, sharedSpaceUrl } from '../core/report.js';
import { parseS3Url } from '../core/s3-url.js';
import { childPrefixes } from '../core/tree.js';
import { defineCommand, withSession } from './command.js';
import { printJson, renderTable, terminalText } from './output.js';
import { list, walk } from '../app/ls.js';
import type { Session } from './session.js';

interface LsOptions {
  recursive: boolean;
}

/** A listed file and the name it is shown under (relative to the listed prefix). */
interface Row {
  shownAs: string;
  space: DeltaSpace;
  file: LogicalFile;
}

export const lsCommand = defineCommand<LsOptions>({
  name: 'ls',
  summary: 'list the files of a DeltaSpace with their original and stored sizes',
  usage: ['deltaglider ls [-r] [options] s3://BUCKET[/PREFIX/]'],
  description: `Lists the logical files of a DeltaSpace as they were uploaded: reference.bin is
hidden, ".delta" is stripped, ORIGINAL is the size of the file and STORED what it
takes in the bucket; KIND "delta (archive-aware)" marks deltas the DeltaGlider CLI
cannot read (docs/archive-aware.md). Prefixes below it are shown as PRE lines. With -r, the files of
every DeltaSpace below the prefix are listed too. A URL without a trailing "/" is a
prefix, or else the one file it names.`,
  options: { recursive: { type: 'boolean', short: 'r' } },
  optionsHelp: '  -r, --recursive       list every DeltaSpace below the prefix as well',
  readOwn: (values) => ({ recursive: values.recursive === true }),
  positionals: { min: 1, max: 1, what: 'one s3:// URL' },
  examples: ['deltaglider ls s3://releases/app/', 'deltaglider ls -r --json s3://releases/'],
  async run(context) {
    const url = parseS3Url(context.positionals[0]!);
    const root: DeltaSpace = { bucket: url.bucket, prefix: url.key.replace(/\/+$/, '') };
    const { rows, prefixes } = await withSession(context, async (session) => {
      const found = await listTree(session, root, context.own.recursive);
      if (found.rows.length > 0 || found.prefixes.length > 0 || url.isPrefix) return found;
      // `ls s3://b/p/app.zip`: not a prefix, so maybe the file of that name.
      const { space, name } = splitObjectUrl(url);
      const files = (await list(session.app, { space })).filter((f) => f.name === name);
      return { rows: files.map((file) => ({ shownAs: file.name, space, file })), prefixes: [] };
    });
    if (rows.length === 0 && prefixes.length === 0) {
      throw new NotFoundError(
        `Nothing found at ${formatSpace(root)}`,
        'Check the bucket and the prefix; "deltaglider ls s3://BUCKET/" shows the top level',
      );
    }
    print(context.io, context.global.json, root, rows, prefixes);
    return 0;
  },
});

async function listTree(
  session: Session,
  root: DeltaSpace,
  recursive: boolean,
): Promise<{ rows: Row[]; prefixes: string[] }> {
  const { app } = session;
  // One listing of the tree; each level's files are described from it.
  const tree = await walk(app, { bucket: root.bucket, prefix: root.prefix });
  const objectsOf = (prefix: string) => tree.find((d) => d.prefix === prefix)?.objects ?? [];
  if (!recursive) {
    const files = await list(app, { space: root, listed: objectsOf(root.prefix) });
    return {
      rows: files.map((file) => ({ shownAs: file.name, space: root, file })),
      prefixes: childPrefixes(tree, root.prefix),
    };
  }
  const rows: Row[] = [];
  for (const directory of tree.filter((d) => d.objects.length > 0)) {
    const space = { bucket: root.bucket, prefix: directory.prefix };
    const below = directory.prefix.slice(root.prefix.length).replace(/^\//, '');
    for (const file of await list(app, { space, listed: directory.objects })) {
      rows.push({ shownAs: below === '' ? file.name : `${below}/${file.name}`, space, file });
    }
  }
  return { rows, prefixes: [] };
}

function print(
  io: Parameters<typeof printJson>[0],
  json: boolean,
  root: DeltaSpace,
  rows: readonly Row[],
  prefixes: readonly string[],
): void {
  const records = rows.map((r) => fileRecord(r.space, r.file));
  const totals = totalsOf(records);
  if (json) {
    const spaceUrl = sharedSpaceUrl(records);
    printJson(io, {
      location: formatSpace(root),
      ...(spaceUrl ? { 'delta-space-url': spaceUrl } : {}),
      prefixes: prefixes.map((p) => formatSpace({ bucket: root.bucket, prefix: p })),
      ...filesJson(records),
    });
    return;
  }
  const below = (p: string) => p.slice(root.prefix.length).replace(/^\//, '');
  const table = [
    ...prefixes.map((p) => [`${below(p)}/`, 'PRE', '', '', '']),
    ...rows.map(({ shownAs }, i) => [
      shownAs,
      // The DeltaGlider CLI cannot read archive-aware deltas: say so where the kind is shown.
      kindLabel(records[i]!),
      ...sizeCells(records[i]!.originalBytes, records[i]!.storedBytes),
    ]),
  ];
  if (rows.length > 1) {
    table.push([
      `Total (${totals.files} files)`,
      '',
      ...sizeCells(totals.originalBytes, totals.storedBytes),
    ]);
  }
  io.out(
    renderTable(['NAME', 'KIND', 'ORIGINAL', 'STORED', 'SAVED'], table, [
      'left',
      'left',
      'right',
      'right',
      'right',
    ]),
  );
  const note = rows.length > 1 ? referencesNote(totals) : undefined;
  if (note) io.out(`${note}\n`);
  for (const { shownAs, file } of rows.filter((r) => r.file.problem)) {
    io.out(`\n${terminalText(`${shownAs}: ${file.problem}; downloads refuse it`)}\n`);
  }
}

import { stats } from '../app/stats.js';
import { formatSpace } from '../core/delta-space.js';
import { formatBytes, savedPercent, sizeCells } from '../core/format.js';
import { statsJson, statsLocation } from '../core/report.js';
import { parseS3Url } from '../core/s3-url.js';
import type { StatsReport } from '../core/stats.js';
import { defineCommand, withSession } from './command.js';
import { printJson, renderTable } from './output.js';

export const statsCommand = defineCommand({
  name: 'stats',
  summary: 'totals for a bucket or prefix: original and stored bytes, savings, object counts',
  usage: ['deltaglider stats [options] s3://BUCKET[/PREFIX/]'],
  description: `Walks everything under the bucket or prefix (sub-prefixes included) and reports
what the files would take stored whole (ORIGINAL), what the bucket holds for them
(STORED, references included) and the difference, then one line per DeltaSpace (a
prefix holding a reference.bin). Original sizes of deltas come from their metadata:
one HEAD request per object. The DeltaGlider CLI's own .deltaglider/ objects are
left out.`,
  positionals: { min: 1, max: 1, what: 'one s3:// URL' },
  examples: ['deltaglider stats s3://releases/', 'deltaglider stats --json s3://releases/app/'],
  async run(context) {
    const url = parseS3Url(context.positionals[0]!);
    const report = await withSession(context, ({ app }) =>
      stats(app, { bucket: url.bucket, prefix: url.key }),
    );
    if (context.global.json) printJson(context.io, statsJson(report));
    else context.io.out(renderStats(report));
    return 0;
  },
});

function renderStats(report: StatsReport): string {
  const lines = [
    statsLocation(report),
    `  Files:        ${report.files}, ${formatBytes(report.originalBytes)}`,
    `  Stored:       ${formatBytes(report.storedBytes)}`,
    `  Saved:        ${formatBytes(report.savedBytes)} (${savedPercent(report.originalBytes, report.storedBytes)})`,
    `  DeltaSpaces:  ${report.deltaSpaces}`,
    `  Objects:      ${report.references} references, ${report.deltas} deltas, ${report.direct} direct, ${report.plain} plain`,
  ];
  let text = lines.join('\n') + '\n';
  if (report.spaces.length > 0) {
    const rows = report.spaces.map((s) => [
      formatSpace({ bucket: report.bucket, prefix: s.prefix }),
      String(s.files),
      ...sizeCells(s.originalBytes, s.storedBytes),
    ]);
    text +=
      '\n' +
      renderTable(['DELTASPACE', 'FILES', 'ORIGINAL', 'STORED', 'SAVED'], rows, [
        'left',
        'right',
        'right',
        'right',
        'right',
      ]);
  }
  return text;
}

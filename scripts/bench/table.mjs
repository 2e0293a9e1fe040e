// The benchmark's Markdown table and the machine it ran on.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

const COLUMNS = [
  ['Case', (r) => r.case],
  ['Step', (r) => r.step + (r.kinds ? ` (${r.kinds})` : '')],
  ['Stored', (r) => (r.stored === undefined ? '' : bytes(r.stored))],
  [
    'Stored / original',
    (r) => (r.stored === undefined || !r.original ? '' : percent(r.stored / r.original)),
  ],
  ['Wall', (r) => `${r.wallS.toFixed(1)} s`],
  ['× plain', (r) => (r.vsPlain === undefined ? '' : `${r.vsPlain.toFixed(2)}×`)],
  ['× bare xdelta3', (r) => (r.vsXdelta3 === undefined ? '' : `${r.vsXdelta3.toFixed(2)}×`)],
  ['Node peak RSS', (r) => (r.nodeRss === undefined ? '' : kib(r.nodeRss))],
  ['xdelta3 peak RSS', (r) => (r.xdeltaRss === undefined ? '' : kib(r.xdeltaRss))],
];

/** Rows as a Markdown table of `columns` ([title, cell(row)]); the first two are text. */
export function markdownTable(rows, columns = COLUMNS) {
  const lines = [
    `| ${columns.map(([title]) => title).join(' | ')} |`,
    `| ${columns.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`,
  ];
  let previous;
  for (const row of rows) {
    const cells = columns.map(([, cell]) => cell(row));
    if (row.case === previous) cells[0] = '';
    previous = row.case;
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** One line per fact about this machine and the tools measured. */
export function describeMachine({ serverKind, xdelta3 }) {
  const cpu =
    /model name\s*:\s*(.+)/.exec(safeRead('/proc/cpuinfo'))?.[1] ??
    os.cpus()[0]?.model ??
    'unknown CPU';
  const osName =
    /PRETTY_NAME="([^"]+)"/.exec(safeRead('/etc/os-release'))?.[1] ??
    `${os.type()} ${os.release()}`;
  return [
    `${os.availableParallelism()} cores (${cpu}), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ${osName}, kernel ${os.release()}`,
    `Node ${process.version}, xdelta3 ${/version ([\d.]+)/i.exec(versionOf(xdelta3, ['-V']) ?? '')?.[1] ?? '(version unknown)'}, local S3: ${serverKind === 'moto' ? `moto ${versionOf('python3', ['-c', 'import moto; print(moto.__version__)']) ?? ''}` : serverKind}`,
  ];
}

/** The first line a command prints (on stdout or stderr), or undefined when it cannot run. */
function versionOf(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return `${result.stdout}\n${result.stderr}`.trim().split('\n')[0];
}

function safeRead(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function kib(n) {
  return `${Math.round(n / 1024)} MiB`;
}

function percent(x) {
  if (x === 0) return '0%';
  if (x < 0.001) return `${(x * 100).toFixed(3)}%`;
  return `${(x * 100).toFixed(1)}%`;
}

// ArchiveCodecPort: sniffs gzip or zip, expands what a proven recipe reproduces, rebuilds,
// and writes the deterministic reference view.
import { execFile } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { DeltaGliderError } from '../../core/errors.js';
import type { ArchiveCodecPort, ExpandOptions, LimitOptions, LoggerPort } from '../../ports.js';
import { FileSink, withFile } from './byte-sinks.js';
import { usesGzipBinary, type EngineOptions } from './deflate-engines.js';
import { describeRecipe, type DeflateEngine } from './deflate-recipes.js';
import {
  ExpansionBudgetExceeded,
  type ExpandContext,
  type ExpandReport,
} from './expand-context.js';
import { budgetFor, type ExpandBudgetOptions } from './expand-budget.js';
import { readExpandedHeader, type ContainerCodec } from './expanded-format.js';
import { expandGzip } from './gzip-codec.js';
import { isGzip } from './gzip-header.js';
import { rebuildInto } from './rebuild.js';
import { PAKO_PRODUCER } from './pako-engine.js';
import { GZIP_PORT_PRODUCER } from './gzip-port/recipe.js';
import { GO_FLATE_PRODUCER } from './go-flate/recipe.js';
import { viewName, viewVersion, writeView } from './view.js';
import { expandZip } from './zip-codec.js';

export interface ArchiveCodecOptions {
  /** GNU gzip, a path or a name on PATH (default `gzip`); `false` never uses it. */
  gzipBinary?: string | false;
  /** Time the recipe search may take per file, in ms (default 30 s). */
  searchBudgetMs?: number;
  /**
   * Leading deflate bytes a candidate must reproduce to be chosen (default 256 KiB); the
   * proof then checks every byte.
   */
  prefixBytes?: number;
  /** Where small contents are staged for batched gzip runs (default: the OS temp dir). */
  tempDir?: string;
  /** Deflate engines the recipe search may use (default: all; for tests and benchmarks). */
  engines?: readonly DeflateEngine[];
  /** Receives one debug line per file: what was found and what it cost. */
  logger?: Pick<LoggerPort, 'debug'>;
  /** What one expansion may cost before the file is stored without it (expand-budget.ts). */
  budget?: ExpandBudgetOptions;
}

const DEFAULT_BUDGET_MS = 30_000;
const DEFAULT_PREFIX_BYTES = 256 * 1024;
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** Errors of the machine, not of the file: these propagate instead of falling back. */
const ENVIRONMENT_ERRORS = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'EISDIR',
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EIO',
  'EMFILE',
  'ENFILE',
]);

/** The container a file's leading bytes announce, if this codec knows it. */
export function sniffContainer(head: Uint8Array): ContainerCodec | undefined {
  if (isGzip(head)) return 'gzip';
  if (Buffer.from(head.subarray(0, 4)).equals(ZIP_MAGIC)) return 'zip';
  return undefined;
}

/** `gzip 1.12` for GNU gzip; undefined for any other gzip, or none. */
function probeGnuGzip(binary: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(binary, ['--version'], { timeout: 10_000 }, (error, stdout) => {
      const first = String(stdout).split('\n')[0]?.trim() ?? '';
      resolve(!error && /^gzip \d+\.\d+/.test(first) ? first : undefined);
    });
  });
}

export class ArchiveCodec implements ArchiveCodecPort {
  private gzipVersion?: Promise<string | undefined>;

  constructor(private readonly options: ArchiveCodecOptions = {}) {}

  async expand(
    path: string,
    expandedPath: string,
    options: ExpandOptions = {},
  ): Promise<{ codec: string } | { declined: string } | undefined> {
    try {
      const report = await this.expandWithReport(path, expandedPath, options);
      return report && { codec: report.codec };
    } catch (error) {
      if (error instanceof ExpansionBudgetExceeded) return { declined: error.reason };
      throw error;
    }
  }

  /** `expand` with the details: recipes, streams reproduced, time spent per phase. */
  async expandWithReport(
    path: string,
    expandedPath: string,
    options: ExpandOptions = {},
  ): Promise<ExpandReport | undefined> {
    const codec = sniffContainer(await readHead(path));
    if (!codec) return undefined;
    const started = Date.now();
    let report: ExpandReport | undefined;
    try {
      const context = await this.context(started, (await stat(path)).size);
      context.whileProving = options.whileProving;
      report =
        codec === 'gzip'
          ? await expandGzip(path, expandedPath, context)
          : await expandZip(path, expandedPath, context);
      if (!report) context.budget.tick(); // a search cut short by the budget says so
    } catch (error) {
      await rm(expandedPath, { force: true });
      if (error instanceof ExpansionBudgetExceeded) throw error; // `expand` says why
      if (ENVIRONMENT_ERRORS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      this.options.logger?.debug(`${path}: not expanded (${(error as Error).message})`);
      return undefined;
    }
    if (!report) {
      await rm(expandedPath, { force: true });
      this.options.logger?.debug(
        `${path}: no ${codec} recipe reproduces it (searched ${Date.now() - started} ms)`,
      );
      return undefined;
    }
    this.options.logger?.debug(
      `${path}: ${codec} expanded, ${report.reproducedStreams}/${report.streams} deflate ` +
        `streams rebuilt with ${report.recipes.join('; ')} (search ${report.searchMs} ms, ` +
        `write ${report.writeMs} ms, proof ${report.proveMs} ms)`,
    );
    return report;
  }

  /**
   * The deterministic view of a reference (see view.ts). It ignores every option: the same
   * bytes give the same view on any machine, with or without gzip, however long it takes.
   */
  async view(
    path: string,
    viewPath: string,
    options: LimitOptions & { version?: string } = {},
  ): Promise<string | undefined> {
    const started = Date.now();
    const version = viewVersion(options.version);
    const codec = await writeView(path, viewPath, options.maxBytes, version);
    const name = codec && viewName(codec, version, options.version !== undefined);
    this.options.logger?.debug(
      name
        ? `${path}: ${codec} reference ${name} written (${Date.now() - started} ms)`
        : `${path}: no reference view (not a gzip or zip file this codec reads)`,
    );
    return name;
  }

  async rebuild(expandedPath: string, outPath: string, options: LimitOptions = {}): Promise<void> {
    const engines = await this.enginesFor(expandedPath);
    const sink = await FileSink.create(outPath);
    try {
      await rebuildInto(expandedPath, sink, engines, options.maxBytes);
      await sink.close();
    } catch (error) {
      await sink.close().catch(() => undefined);
      await rm(outPath, { force: true });
      throw error;
    }
  }

  private gzipBinaryName(): string | undefined {
    const { gzipBinary } = this.options;
    return gzipBinary === false ? undefined : (gzipBinary ?? 'gzip');
  }

  private gnuGzip(): Promise<string | undefined> {
    const binary = this.gzipBinaryName();
    this.gzipVersion ??= binary ? probeGnuGzip(binary) : Promise.resolve(undefined);
    return this.gzipVersion;
  }

  private async context(started: number, fileBytes: number): Promise<ExpandContext> {
    const gzipVersion = await this.gnuGzip();
    const producers: Record<string, string> = {
      'node-zlib': process.versions.zlib ?? 'unknown',
      pako: PAKO_PRODUCER,
      'go-flate': GO_FLATE_PRODUCER,
      'gzip-port': GZIP_PORT_PRODUCER,
    };
    if (gzipVersion) producers.gzip = gzipVersion;
    const budget = budgetFor(fileBytes, started, this.options.budget);
    const found = gzipVersion !== undefined;
    return {
      // The search runs the port (a candidate costs no process); the proof runs what a
      // download here runs: GNU gzip where found, which is faster than the port.
      engines: this.engines(!found),
      searchEngines: this.engines(true),
      budget,
      gzipAvailable: found,
      allowedEngines: this.options.engines,
      producers,
      deadline: Math.min(
        budget.limits.deadline,
        started + (this.options.searchBudgetMs ?? DEFAULT_BUDGET_MS),
      ),
      prefixBytes: this.options.prefixBytes ?? DEFAULT_PREFIX_BYTES,
    };
  }

  /**
   * Engines for a rebuild: GNU gzip where it is found (faster than the port), the port
   * otherwise; a clear error up front when a recipe needs a gzip binary that is missing.
   */
  private async enginesFor(expandedPath: string): Promise<EngineOptions> {
    const { header } = await withFile(expandedPath, readExpandedHeader);
    const found = (await this.gnuGzip()) !== undefined;
    const engines = this.engines(!found);
    const needsGzip = header.recipes.find((recipe) => usesGzipBinary(recipe, engines));
    if (needsGzip && !found) {
      throw new DeltaGliderError(
        `Rebuilding this ${header.codec} file needs GNU gzip (${describeRecipe(needsGzip)}, ` +
          `recorded with ${header.producers.gzip ?? 'GNU gzip'}), which is not available here` +
          (this.gzipBinaryName() ? ` (tried "${this.gzipBinaryName()}")` : ''),
        'Install GNU gzip and put it on PATH (apt-get install gzip, brew install gzip)',
      );
    }
    return engines;
  }

  private engines(gzipPort: boolean): EngineOptions {
    return {
      gzipBinary: this.gzipBinaryName() ?? 'gzip',
      gzipPort,
      tempRoot: this.options.tempDir ?? tmpdir(),
    };
  }
}

function readHead(path: string): Promise<Buffer> {
  return withFile(path, async (handle) => {
    const buffer = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buffer, 0, 4, 0);
    return buffer.subarray(0, bytesRead);
  });
}

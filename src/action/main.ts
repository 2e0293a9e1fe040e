import * as core from '@actions/core';
import * as glob from '@actions/glob';
import { formatSpace, spaceFromPrefixUrl, splitObjectUrl } from '../core/delta-space.js';
import { describeError, InputError } from '../core/errors.js';
import type { FileResult } from '../core/models.js';
import { createEngine, type Engine } from '../engine.js';
import { createS3Storage } from '../adapters/s3/s3-storage.js';
import { readInputs, type ActionInputs } from './inputs.js';
import { actionsLogger } from './logger.js';
import { setResultOutputs } from './outputs.js';
import { writeJobSummary } from './summary.js';

/** The main step: upload or download, then outputs and the job summary. */
export async function run(): Promise<void> {
  let engine: Engine | undefined;
  try {
    const inputs = readInputs();
    const storage = createS3Storage({
      endpointUrl: inputs.endpointUrl,
      region: inputs.region,
      forcePathStyle: inputs.forcePathStyle,
    });
    engine = createEngine({
      storage,
      log: actionsLogger,
      xdelta3Binary: inputs.xdelta3Path ?? 'xdelta3',
      maxRatio: inputs.maxRatio,
      concurrency: inputs.concurrency,
    });
    const { results, location } =
      inputs.command === 'upload' ? await upload(engine, inputs) : await download(engine, inputs);
    setResultOutputs(results);
    if (inputs.summary) {
      const title = inputs.command === 'upload' ? 'DeltaGlider upload' : 'DeltaGlider download';
      await writeJobSummary({ title, location, results });
    }
  } catch (error) {
    core.setFailed(describeError(error));
    if (error instanceof Error && error.stack) core.debug(error.stack);
  } finally {
    await engine?.dispose();
  }
}

async function upload(engine: Engine, inputs: ActionInputs) {
  const globber = await glob.create(inputs.paths.join('\n'), { matchDirectories: false });
  const files = await globber.glob();
  if (files.length === 0) {
    throw new InputError(
      `No file matches path (${inputs.paths.join(', ')})`,
      'Check the patterns and that the build step produced the files before this step',
    );
  }
  const space = spaceFromPrefixUrl(inputs.s3Url);
  core.info(`Uploading ${files.length} file(s) to ${formatSpace(space)}`);
  const results = await engine.service.uploadAll(files, space);
  logResults(results);
  return { results, location: formatSpace(space) };
}

async function download(engine: Engine, inputs: ActionInputs) {
  const destDir = inputs.paths[0] ?? process.env.GITHUB_WORKSPACE ?? process.cwd();
  if (inputs.s3Url.isPrefix) {
    const space = spaceFromPrefixUrl(inputs.s3Url);
    core.info(`Downloading every file of ${formatSpace(space)} into ${destDir}`);
    const results = await engine.service.downloadAll(space, destDir);
    logResults(results);
    return { results, location: formatSpace(space) };
  }
  const { space, name } = splitObjectUrl(inputs.s3Url);
  const result = await engine.service.download(space, name, destDir);
  logResults([result]);
  return { results: [result], location: formatSpace(space) };
}

function logResults(results: readonly FileResult[]): void {
  for (const r of results) {
    core.info(`${r.name}: ${r.kind}, ${r.originalBytes} bytes as ${r.storedBytes} stored (${r.key})`);
  }
}

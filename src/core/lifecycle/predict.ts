import type { DifferPort, LocalFilesPort, StoragePort } from '../../ports.js';
import { classify, MIN_DELTA_BYTES, SNIFF_BYTES } from '../policy.js';
import { groupBySpace, type MigrationItem } from './migration-plan.js';

// What a migration would store, predicted from a sample: per DeltaSpace, the reference
// (its first release) is stored whole, and up to `samples` of the other delta
// candidates are really delta-encoded against it; their ratio (bytes stored per byte,
// a delta over maxRatio counting as whole) stands for every candidate of the space.
// Files too small for a delta count as stored whole, as the uploader stores them.

/** Objects per DeltaSpace delta-encoded for a prediction when the caller does not say. */
export const DEFAULT_PREDICTION_SAMPLES = 3;

export interface PredictDeps {
  storage: Pick<StoragePort, 'download'>;
  differ: Pick<DifferPort, 'encode'>;
  files: Pick<LocalFilesPort, 'tempPath' | 'remove' | 'size' | 'readHead'>;
}

export interface PredictOptions {
  sourceBucket: string;
  /** Objects delta-encoded per DeltaSpace besides its reference. */
  samples: number;
  maxRatio: number;
}

export interface Prediction {
  originalBytes: number;
  predictedBytes: number;
  /** Objects downloaded and encoded for the prediction (references included). */
  sampled: number;
}

export async function predictStorage(
  deps: PredictDeps,
  items: readonly MigrationItem[],
  options: PredictOptions,
): Promise<Prediction> {
  const prediction: Prediction = { originalBytes: 0, predictedBytes: 0, sampled: 0 };
  for (const group of groupBySpace(items)) {
    for (const item of group) prediction.originalBytes += item.size;
    const eligible = group.filter((i) => i.size >= MIN_DELTA_BYTES);
    const small = group.filter((i) => i.size < MIN_DELTA_BYTES);
    prediction.predictedBytes += small.reduce((sum, i) => sum + i.size, 0);
    const [reference, ...candidates] = eligible;
    if (!reference) continue;
    prediction.predictedBytes += reference.size;
    if (candidates.length === 0) continue;
    const ratio = await sampleRatio(deps, reference, spread(candidates, options.samples), options);
    prediction.sampled += 1 + Math.min(candidates.length, options.samples);
    prediction.predictedBytes += Math.round(candidates.reduce((sum, i) => sum + i.size, 0) * ratio);
  }
  return prediction;
}

/** Stored bytes per original byte over the sampled objects. */
async function sampleRatio(
  deps: PredictDeps,
  reference: MigrationItem,
  samples: readonly MigrationItem[],
  options: PredictOptions,
): Promise<number> {
  const { storage, differ, files } = deps;
  const refPath = files.tempPath('predict-ref');
  const scratch: string[] = [refPath];
  try {
    await storage.download(options.sourceBucket, reference.key, refPath);
    let original = 0;
    let stored = 0;
    for (const sample of samples) {
      const path = files.tempPath('predict');
      const deltaPath = files.tempPath('predict-delta');
      scratch.push(path, deltaPath);
      await storage.download(options.sourceBucket, sample.key, path);
      const size = await files.size(path);
      original += size;
      if (!classify(sample.name, size, await files.readHead(path, SNIFF_BYTES)).eligible) {
        stored += size;
        continue;
      }
      await differ.encode(refPath, path, deltaPath);
      const delta = await files.size(deltaPath);
      stored += delta > size * options.maxRatio ? size : delta;
    }
    return original === 0 ? 1 : stored / original;
  } finally {
    for (const path of scratch) await files.remove(path);
  }
}

/** Up to `count` items evenly spread over the list (first and last included). */
function spread<T>(list: readonly T[], count: number): T[] {
  if (list.length <= count) return [...list];
  if (count <= 1) return list.slice(0, Math.max(0, count));
  return Array.from(
    { length: count },
    (_, i) => list[Math.round((i * (list.length - 1)) / (count - 1))]!,
  );
}

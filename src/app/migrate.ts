import {
  planMigration,
  type MigrationItem,
  type MigrationSource,
} from '../core/lifecycle/migration-plan.js';
import { previewMigration, type PreviewRow } from '../core/lifecycle/migration-preview.js';
import {
  Migrator,
  type MigrateOptions,
  type MigrationOutcome,
} from '../core/lifecycle/migrator.js';
import { predictStorage, type PredictOptions, type Prediction } from '../core/lifecycle/predict.js';
import type { DeltaSpace } from '../core/models.js';
import type { App } from './create-app.js';

/** The plain objects under `source`, each with its DeltaSpace, in their order of release. */
export function planMigrate(
  app: App,
  source: MigrationSource,
  dest: DeltaSpace,
): Promise<MigrationItem[]> {
  return planMigration(app.storage, source, dest);
}

/** `migrate`: stores each planned object in its DeltaSpace, read back and verified. */
export function migrate(
  app: App,
  items: readonly MigrationItem[],
  options: MigrateOptions,
): Promise<MigrationOutcome[]> {
  const { uploads, verifier, inspection } = app.core;
  const migrator = new Migrator({
    storage: app.storage,
    hasher: app.hasher,
    files: app.files,
    log: app.log,
    uploads,
    verifier,
    inspection,
    concurrency: app.options.concurrency,
  });
  return migrator.migrate(items, options);
}

/** A dry run: where each object would go, and whether it seems there already. */
export function previewMigrate(
  app: App,
  sourceBucket: string,
  items: readonly MigrationItem[],
): Promise<PreviewRow[]> {
  return previewMigration(app.core.inspection, sourceBucket, items);
}

/** A dry run's stored size, predicted by delta-encoding a few objects per DeltaSpace. */
export function predictMigrate(
  app: App,
  items: readonly MigrationItem[],
  options: Omit<PredictOptions, 'maxRatio'>,
): Promise<Prediction> {
  return predictStorage({ storage: app.storage, differ: app.differ, files: app.files }, items, {
    ...options,
    maxRatio: app.options.maxRatio,
  });
}

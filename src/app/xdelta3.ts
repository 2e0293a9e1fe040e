// Obtaining xdelta3 happens before the app exists (its path is an AppOptions value):
// the action provisions it (download, checksum, tool cache), the CLI takes a path.
export {
  provisionXdelta3,
  type ProvisionLogger,
  type ProvisionOptions,
  type Xdelta3Binary,
  type Xdelta3Request,
} from '../adapters/xdelta3/provision/provision.js';
export {
  DEFAULT_XDELTA3_MEMORY_BYTES,
  MIN_XDELTA3_MEMORY_BYTES,
} from '../adapters/xdelta3/window.js';

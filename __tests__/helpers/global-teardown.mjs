// Jest globalTeardown: stops the server global-setup.mjs started (it shares the globals).
export default async function globalTeardown() {
  await globalThis.stopSharedS3?.();
}

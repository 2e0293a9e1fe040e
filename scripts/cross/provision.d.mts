// Types for provision.mjs (plain JavaScript so the cross scripts run without a build).

export type Found<T> = T | { missing: string };

export const crossDir: string;
export const WINDOWS_NODE_VERSION: string;
export function projectNodeVersion(): string;
export function findArm64(): Found<{ qemu: string; node: string }>;
export interface WindowsTools {
  wine: string;
  node: string;
  /** xdelta3.exe, cross-built with mingw-w64 from Debian's source. */
  xdelta3: string;
  /** The WINEPREFIX of these tests (made on first use). */
  prefix: string;
}
export function findWindows(): Found<WindowsTools>;
export function installArm64(): Found<{ qemu: string; node: string }>;
export function installWindows(): Found<WindowsTools>;

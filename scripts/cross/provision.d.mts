// Types for provision.mjs (plain JavaScript so the cross scripts run without a build).

export type Found<T> = T | { missing: string };

export const crossDir: string;
export const WINDOWS_NODE_VERSION: string;
export function projectNodeVersion(): string;
export function findArm64(): Found<{ qemu: string; node: string }>;
export function findWindows(): Found<{ wine: string; node: string }>;
export function installArm64(): Found<{ qemu: string; node: string }>;
export function installWindows(): Found<{ wine: string; node: string }>;

export function text(bytes: number, seed: number): Buffer;
export function noise(bytes: number, seed: number): Buffer;
export function releaseModules(
  count: number,
  release: 1 | 2,
  digits?: number,
): [name: string, bytes: Buffer][];

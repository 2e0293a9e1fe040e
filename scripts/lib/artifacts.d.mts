export function writeArtifact(path: string, size: number, seed?: number): Promise<void>;
export function writeNextVersion(
  srcPath: string,
  destPath: string,
  options?: { edits?: number; insertBytes?: number; seed?: number },
): Promise<void>;
export function sha256File(path: string): Promise<string>;

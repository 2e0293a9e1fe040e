// Archives made by the real tools: two consecutive "releases" of a small realistic tree,
// packed by each tool found on this machine (others are skipped with the reason).
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { releaseModules } from '../../scripts/lib/corpus.mjs';
import { noise, text } from './archive-fixtures.js';

export interface ArchiveTool {
  /** What made the archive, as the benchmark table names it. */
  name: string;
  extension: '.zip' | '.tgz';
  /** Why the tool cannot run here, or undefined when it can. */
  unavailable(): string | undefined;
  /** Packs the directory `tree` (its contents, relative paths) into `out`. */
  pack(tree: string, out: string, scratch: string): Promise<void> | void;
}

const FIXED_TIME = new Date('2026-01-02T03:04:05Z');

/**
 * A source tree of `files` text files (1–120 KB, ~2 MB in all), a dozen small ones and a binary; release 2
 * edits a few files, adds one and bumps the version, leaving most files unchanged.
 */
export async function releaseTree(root: string, release: 1 | 2, files = 40): Promise<string> {
  const tree = path.join(root, `release-${release}`);
  await mkdir(path.join(tree, 'lib'), { recursive: true });
  await mkdir(path.join(tree, 'docs'), { recursive: true });
  await mkdir(path.join(tree, 'data'), { recursive: true });
  const written: string[] = [];
  const put = async (name: string, bytes: Buffer | string) => {
    await writeFile(path.join(tree, name), bytes);
    written.push(name);
  };
  await put('package.json', `{"name":"tool-corpus","version":"1.${release}.0"}\n`);
  for (const [name, body] of releaseModules(files, release)) await put(name, body);
  // Small files (type stubs, licences): Node's zlib reproduces vanilla zlib on these only.
  for (let i = 0; i < 12; i++) await put(`lib/stub-${i}.d.ts`, text(200 + i * 60, 300 + i));
  await put('docs/README.md', text(8_000, 7));
  await put('lib/native.bin', noise(64_000, 11));
  await put('data/table.csv', numbers(300_000, 13));
  if (release === 2) await put('lib/added.js', text(5_000, 12));
  // Same timestamps in both releases: headers of unchanged entries stay identical.
  for (const name of written) await utimes(path.join(tree, name), FIXED_TIME, FIXED_TIME);
  return tree;
}

/** Deterministic comma-separated numbers: data on which GNU gzip and zlib deflate differ. */
function numbers(bytes: number, seed: number): Buffer {
  const parts: string[] = [];
  let length = 0;
  let state = seed >>> 0;
  while (length < bytes) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const part = `${state % 1_000_000}${state % 7 === 0 ? '\n' : ','}`;
    parts.push(part);
    length += part.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

function has(command: string, args: string[]): string | undefined {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${command} is not installed`;
  }
}

const PYTHON_ZIP = `
import os, sys, zipfile
root, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(dirpath, name)
            z.write(full, os.path.relpath(full, root))
`;

const PYTHON_TGZ = `
import sys, tarfile
root, out = sys.argv[1], sys.argv[2]
with tarfile.open(out, 'w:gz') as t:
    t.add(root, arcname='pkg', filter=lambda i: (setattr(i, 'mtime', 0), i)[1])
`;

const GO_PROGRAM = `package main

import (
	"archive/tar"
	"archive/zip"
	"compress/flate"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"sort"
)

func files(root string) []string {
	var list []string
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			list = append(list, p)
		}
		return nil
	})
	sort.Strings(list)
	return list
}

// packer zip|tgz <root> <out> [goreleaser]: the library defaults (archive/zip's level 5,
// gzip's 6, tar entries written whole), or goreleaser's way (level 9 for both, contents
// copied from the open file with io.Copy).
func main() {
	mode, root, out := os.Args[1], os.Args[2], os.Args[3]
	goreleaser := len(os.Args) > 4 && os.Args[4] == "goreleaser"
	f, err := os.Create(out)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if mode == "zip" {
		w := zip.NewWriter(f)
		if goreleaser {
			w.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
				return flate.NewWriter(out, flate.BestCompression)
			})
		}
		for _, p := range files(root) {
			rel, _ := filepath.Rel(root, p)
			e, _ := w.CreateHeader(&zip.FileHeader{Name: rel, Method: zip.Deflate})
			in, _ := os.Open(p)
			io.Copy(e, in)
			in.Close()
		}
		w.Close()
		return
	}
	level := gzip.DefaultCompression
	if goreleaser {
		level = gzip.BestCompression
	}
	gz, _ := gzip.NewWriterLevel(f, level)
	tw := tar.NewWriter(gz)
	for _, p := range files(root) {
		rel, _ := filepath.Rel(root, p)
		info, _ := os.Stat(p)
		tw.WriteHeader(&tar.Header{Name: rel, Mode: 0644, Size: info.Size()})
		if goreleaser {
			in, _ := os.Open(p)
			io.Copy(tw, in)
			in.Close()
		} else {
			data, _ := os.ReadFile(p)
			tw.Write(data)
		}
	}
	tw.Close()
	gz.Close()
}
`;

/** Builds the Go packer once per scratch directory. */
function goPacker(scratch: string): Promise<string> {
  return buildGoProgram(path.join(scratch, 'go-packer'), { 'main.go': GO_PROGRAM }, scratch);
}

/** `go build`s a one-package program from `files` into `dir`, once (then reuses it). */
export async function buildGoProgram(
  dir: string,
  files: Record<string, string>,
  scratch: string,
): Promise<string> {
  const binary = path.join(dir, 'prog');
  try {
    await readFile(binary);
    return binary;
  } catch {
    await mkdir(dir, { recursive: true });
    for (const [name, body] of Object.entries(files)) await writeFile(path.join(dir, name), body);
    await writeFile(path.join(dir, 'go.mod'), 'module prog\n\ngo 1.18\n');
    execFileSync('go', ['build', '-o', binary, '.'], {
      cwd: dir,
      env: { ...process.env, GOFLAGS: '-mod=mod', GOCACHE: path.join(scratch, 'go-cache') },
      stdio: 'ignore',
    });
    return binary;
  }
}

function tarOf(tree: string): Buffer {
  return execFileSync(
    'tar',
    ['cf', '-', '--sort=name', '--owner=0', '--group=0', '-C', tree, '.'],
    {
      maxBuffer: 1 << 30,
    },
  );
}

export const ARCHIVE_TOOLS: readonly ArchiveTool[] = [
  {
    name: 'npm-style (Node zlib -9 of a tar)',
    extension: '.tgz',
    unavailable: () => has('tar', ['--version']),
    pack: (tree, out) => writeFile(out, gzipSync(tarOf(tree), { level: 9 })),
  },
  {
    name: 'GNU tar czf',
    extension: '.tgz',
    unavailable: () => has('tar', ['--version']) ?? has('gzip', ['--version']),
    pack: (tree, out) => {
      execFileSync('tar', ['czf', out, '--sort=name', '--owner=0', '--group=0', '-C', tree, '.']);
    },
  },
  {
    name: 'Info-ZIP zip -r',
    extension: '.zip',
    unavailable: () => has('zip', ['-v']),
    pack: (tree, out) => {
      execFileSync('zip', ['-q', '-r', '-X', out, '.'], { cwd: tree });
    },
  },
  {
    name: 'Python zipfile',
    extension: '.zip',
    unavailable: () => has('python3', ['--version']),
    pack: (tree, out) => {
      execFileSync('python3', ['-c', PYTHON_ZIP, tree, out]);
    },
  },
  {
    name: 'Python tarfile w:gz',
    extension: '.tgz',
    unavailable: () => has('python3', ['--version']),
    pack: (tree, out) => {
      execFileSync('python3', ['-c', PYTHON_TGZ, tree, out]);
    },
  },
  {
    name: 'Java jar',
    extension: '.zip',
    unavailable: () => has('jar', ['--version']),
    pack: (tree, out) => {
      execFileSync('jar', ['--create', '--no-manifest', '--file', out, '-C', tree, '.']);
    },
  },
  {
    name: 'Go archive/zip',
    extension: '.zip',
    unavailable: () => has('go', ['version']),
    pack: async (tree, out, scratch) => {
      execFileSync(await goPacker(scratch), ['zip', tree, out]);
    },
  },
  {
    name: 'Go compress/gzip (tar)',
    extension: '.tgz',
    unavailable: () => has('go', ['version']),
    pack: async (tree, out, scratch) => {
      execFileSync(await goPacker(scratch), ['tgz', tree, out]);
    },
  },
  {
    name: 'goreleaser-style Go zip (level 9)',
    extension: '.zip',
    unavailable: () => has('go', ['version']),
    pack: async (tree, out, scratch) => {
      execFileSync(await goPacker(scratch), ['zip', tree, out, 'goreleaser']);
    },
  },
  {
    name: 'goreleaser-style Go tar.gz (level 9)',
    extension: '.tgz',
    unavailable: () => has('go', ['version']),
    pack: async (tree, out, scratch) => {
      execFileSync(await goPacker(scratch), ['tgz', tree, out, 'goreleaser']);
    },
  },
];

/** The same tree as a plain .tar, for the "delta of the .tar" column. */
export async function packTar(tree: string, out: string): Promise<void> {
  await writeFile(out, tarOf(tree));
}

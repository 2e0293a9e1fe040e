// The real Go toolchain as the oracle for the go-flate port: a tiny program, built once per
// scratch directory, that deflates stdin with compress/flate (any level, any Write sizes),
// and another that runs Go's own Huffman code builder (huffman_code.go, copied from the
// installed GOROOT at test time, not from this repository) on frequency sets.
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildGoProgram } from './tool-archives.js';

/** Why the installed Go cannot be the oracle, or undefined when it can. */
export function goUnavailable(): string | undefined {
  let version: string;
  try {
    version = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  } catch {
    return 'go is not installed';
  }
  // go1.27 replaced the encoder (levels 1-6 rewritten, 7-9 retuned); the port is of the one before.
  const minor = Number(/^go1\.(\d+)/.exec(version)?.[1] ?? 0);
  return minor >= 8 && minor <= 26 ? undefined : `${version} is not a Go 1.8–1.26 encoder`;
}

const FLATE_PROGRAM = `package main

import (
	"bufio"
	"compress/flate"
	"io"
	"os"
	"strconv"
)

// flate <level> <write size, 0 = one Write>
func main() {
	level, _ := strconv.Atoi(os.Args[1])
	size, _ := strconv.Atoi(os.Args[2])
	data, _ := io.ReadAll(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	w, err := flate.NewWriter(out, level)
	if err != nil {
		panic(err)
	}
	if size <= 0 {
		size = len(data) + 1
	}
	for i := 0; i < len(data); i += size {
		end := i + size
		if end > len(data) {
			end = len(data)
		}
		w.Write(data[i:end])
	}
	w.Close()
	out.Flush()
}
`;

const HUFFMAN_MAIN = `package main

import (
	"encoding/json"
	"os"
)

const maxNumLit = 286

// stdin: {"maxBits": n, "freq": [...]}; stdout: [[length, code], ...] one a symbol.
func main() {
	var in struct {
		MaxBits int32
		Freq    []int32
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	h := newHuffmanEncoder(len(in.Freq))
	h.generate(in.Freq, in.MaxBits)
	out := make([][2]int, len(in.Freq))
	for i, c := range h.codes {
		out[i] = [2]int{int(c.len), int(c.code)}
		if c.len == 0 {
			out[i][1] = 0
		}
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
`;

/** Go's compress/flate output for `data` at `level`, written in Writes of `writeSize`. */
export async function goDeflate(
  scratch: string,
  data: Buffer,
  level: number,
  writeSize = 0,
): Promise<Buffer> {
  const binary = await buildGoProgram(
    path.join(scratch, 'go-flate'),
    { 'main.go': FLATE_PROGRAM },
    scratch,
  );
  return execFileSync(binary, [String(level), String(writeSize)], {
    input: data,
    maxBuffer: 1 << 30,
  });
}

/** [length, code] per symbol from Go's own huffmanEncoder.generate. */
export async function goHuffman(
  scratch: string,
  freq: readonly number[],
  maxBits: number,
): Promise<[number, number][]> {
  const dir = path.join(scratch, 'go-huffman');
  const root = execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
  const flate = path.join(root, 'src', 'compress', 'flate');
  // huffman_code.go, and the sort helpers later Go versions moved out of it.
  const files: Record<string, string> = { 'main.go': HUFFMAN_MAIN };
  for (const name of (await readdir(flate)).filter((n) => /^huffman_(code|sort\w*)\.go$/.test(n))) {
    const code = await readFile(path.join(flate, name), 'utf8');
    files[name] = code.replace(/^package flate$/m, 'package main');
  }
  const binary = await buildGoProgram(dir, files, scratch);
  const out = execFileSync(binary, { input: JSON.stringify({ maxBits, freq }) });
  return JSON.parse(out.toString()) as [number, number][];
}

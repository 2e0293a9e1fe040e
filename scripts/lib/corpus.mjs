// Deterministic contents for the archive tests and the archive benchmark: text that
// compresses like source code, incompressible bytes, and the modules of a release tree.

/** Deterministic text that compresses like source code (a seeded LCG over a word list). */
export function text(bytes, seed) {
  const words = ['delta', 'glider', 'release', 'artifact', 'bucket', 'stream', 'export', 'const'];
  words.push('function', 'return', 'archive', 'version', 'content', '{', '}', '=>', 'await');
  const parts = [];
  let length = 0;
  let state = seed >>> 0;
  while (length < bytes) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const word = words[(state >>> 8) % words.length];
    const part = (state >>> 4) % 9 === 0 ? `${word} ${state % 1000};\n` : `${word} `;
    parts.push(part);
    length += part.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

/** Deterministic incompressible bytes. */
export function noise(bytes, seed) {
  const out = Buffer.alloc(bytes);
  let state = seed >>> 0;
  for (let i = 0; i < bytes; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/**
 * The text modules of release 1 or 2 of a tree, `[name, bytes]`: `count` files of 1–120 KB;
 * release 2 inserts 400 bytes in the middle of every tenth one.
 */
export function releaseModules(count, release, digits = 3) {
  const modules = [];
  for (let i = 0; i < count; i++) {
    const size = 1_000 + ((i * 7919) % 120_000);
    let body = text(size, 100 + i);
    if (release === 2 && i % 10 === 3) {
      body = Buffer.concat([
        body.subarray(0, size >> 1),
        text(400, 9000 + i),
        body.subarray(size >> 1),
      ]);
    }
    modules.push([`lib/module-${String(i).padStart(digits, '0')}.js`, body]);
  }
  return modules;
}

// The order of release, read from names: `app-1.9.0.zip` before `app-1.10.0.zip`.
// Runs of digits compare as numbers, everything else as text; ties go to the older
// object, then to the key, so the order is total and the same on every run.

export interface Released {
  name: string;
  key: string;
  lastModified?: Date;
}

export function compareReleases(a: Released, b: Released): number {
  return (
    compareVersionNames(a.name, b.name) ||
    (a.lastModified?.getTime() ?? 0) - (b.lastModified?.getTime() ?? 0) ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}

/** Natural order of two names: digit runs by value (leading zeros aside), the rest by code unit. */
export function compareVersionNames(a: string, b: string): number {
  const x = tokens(a);
  const y = tokens(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [p, q] = [x[i]!, y[i]!];
    const numeric = /^\d/.test(p) && /^\d/.test(q);
    const order = numeric ? compareDigits(p, q) : p < q ? -1 : p > q ? 1 : 0;
    if (order !== 0) return order;
  }
  return x.length - y.length;
}

function tokens(name: string): string[] {
  return name.match(/\d+|\D+/g) ?? [];
}

/** Digit strings by value, without overflow on long runs (build numbers, dates). */
function compareDigits(p: string, q: string): number {
  const [a, b] = [p.replace(/^0+(?=\d)/, ''), q.replace(/^0+(?=\d)/, '')];
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

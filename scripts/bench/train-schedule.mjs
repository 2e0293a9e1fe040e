// The cheapest way the format allows to store a train, given what every choice costs
// (train-matrix.mjs measures that): a set of files become references (each costs its
// stored size), every other file is a delta against one of them or stored whole. An
// exhaustive search over the sets of references: 2^18 sets for the 18-file train.

/**
 * `m`: `{ versions[i], sizes[i], refCost[i], delta[j][i] }` (null where j cannot serve i).
 * `allowed`: `any` (a reference from the same or an earlier version), `earlier` (earlier
 * versions only: the files of one step go up side by side), `family` (the same platform,
 * file index mod `perVersion`). Returns `{ cost, refs }`.
 */
export function optimalSchedule(m, allowed = 'any', perVersion = 3) {
  const n = m.sizes.length;
  if (n > 24) throw new Error(`${n} files: too many for an exhaustive search`);
  const usable = (j, i) =>
    m.delta[j][i] !== null &&
    (allowed === 'any' ||
      (allowed === 'earlier' && m.versions[j] < m.versions[i]) ||
      (allowed === 'family' && j % perVersion === i % perVersion));
  let best = { cost: Infinity, refs: [] };
  for (let set = 1; set < 1 << n; set++) {
    let cost = 0;
    for (let i = 0; i < n && cost < best.cost; i++) {
      if (set & (1 << i)) {
        cost += m.refCost[i];
        continue;
      }
      let c = m.sizes[i];
      for (let j = 0; j < n; j++)
        if (set & (1 << j) && usable(j, i) && m.delta[j][i] < c) c = m.delta[j][i];
      cost += c;
    }
    if (cost < best.cost) best = { cost, refs: [...Array(n).keys()].filter((i) => set & (1 << i)) };
  }
  return best;
}

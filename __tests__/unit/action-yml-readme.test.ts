// action.yml is what the runner reads; the README's tables are what users read. This
// keeps the two from drifting: every input and output named in one is named in the
// other, and every input's default in action.yml is the one the README shows.
import { readFileSync } from 'node:fs';

const actionYml = readFileSync(new URL('../../action.yml', import.meta.url), 'utf8');
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Top-level entries of an action.yml section (`inputs:` / `outputs:`) with their default. */
function entries(section: 'inputs' | 'outputs'): Map<string, string | undefined> {
  const lines = actionYml.split('\n');
  const start = lines.indexOf(`${section}:`);
  if (start < 0) throw new Error(`action.yml has no ${section}: section`);
  const found = new Map<string, string | undefined>();
  let current: string | undefined;
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break; // the next top-level key
    const name = /^ {2}([a-z0-9-]+):\s*$/.exec(line);
    if (name) {
      current = name[1];
      found.set(current!, undefined);
      continue;
    }
    const defaultValue = /^ {4}default:\s*(.*)$/.exec(line);
    if (defaultValue && current) found.set(current, defaultValue[1]!.replace(/^'(.*)'$/, '$1'));
  }
  return found;
}

/** The rows of the README table under `## heading`: first cell's backticked names -> row. */
function tableRows(heading: string): Map<string, string> {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const rows = new Map<string, string>();
  for (const line of readme.slice(start, end < 0 ? undefined : end).split('\n')) {
    if (!line.startsWith('| `')) continue;
    const firstCell = line.split('|')[1] ?? '';
    for (const [, name] of firstCell.matchAll(/`([a-z0-9-]+)`/g)) rows.set(name!, line);
  }
  return rows;
}

describe('README tables and action.yml agree', () => {
  const inputs = entries('inputs');
  const inputRows = tableRows('Inputs');

  it('names the same inputs', () => {
    expect([...inputRows.keys()].sort()).toEqual([...inputs.keys()].sort());
  });

  it('shows the default of every input that has one', () => {
    const wrong = [...inputs]
      .filter(([, value]) => value !== undefined && value !== '')
      .filter(([name, value]) => {
        const defaultCell = inputRows.get(name)?.split('|')[2] ?? '';
        return !defaultCell.includes(`\`${value}\``);
      })
      .map(([name, value]) => `${name}: action.yml says ${value}`);
    expect(wrong).toEqual([]);
  });

  it('names the same outputs', () => {
    const outputs = entries('outputs');
    expect([...tableRows('Outputs').keys()].sort()).toEqual([...outputs.keys()].sort());
  });
});

// js-yaml 4 (a dev dependency: the workflow tests parse YAML with it) ships no types; the tests use only `load`.
declare module 'js-yaml' {
  export function load(text: string): unknown;
  const yaml: { load: typeof load };
  export default yaml;
}

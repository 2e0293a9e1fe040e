// js-yaml 4 comes with eslint (a dev dependency) without types; the tests use only `load`.
declare module 'js-yaml' {
  export function load(text: string): unknown;
  const yaml: { load: typeof load };
  export default yaml;
}

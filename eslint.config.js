import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The layers (README "Architecture"): each may import only what is below it. A relative
// import that climbs into a forbidden folder, at any depth, matches these.
const into = (...dirs) => `^\\.{1,2}/(\\.\\./)*(${dirs.join('|')})(/|\\.js$)`;
// The shells reach adapters through src/app only. Process signals are theirs alone: the
// cleanup registry is the one adapter a shell wires itself.
const adaptersButSignals = '^\\.{1,2}/(\\.\\./)*adapters/(?!cleanup\\.js$)';
const layer = (message, regexes, paths = [], groups = []) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: paths.map((name) => ({ name, message })),
      patterns: [
        ...regexes.map((regex) => ({ regex, message })),
        ...(groups.length ? [{ group: groups, message }] : []),
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'packages/*/dist/**', 'node_modules/**', 'build/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The core knows ports only: no adapter, shell, composition root or library.
    files: ['src/core/**/*.ts', 'src/ports.ts'],
    rules: layer(
      'The core (src/core, src/ports.ts) imports only ports and its own modules',
      [into('adapters', 'action', 'cli', 'app')],
      ['pako'],
      ['@aws-sdk/*', '@actions/*'],
    ),
  },
  {
    // Adapters may wrap libraries (@actions/cache, @actions/tool-cache, the AWS SDK), but
    // the runner itself (state, PATH, annotations: @actions/core) belongs to the action.
    files: ['src/adapters/**/*.ts'],
    rules: layer(
      'Adapters never import a shell (src/action, src/cli), the app, nor @actions/core: take a callback or an interface',
      [into('action', 'cli', 'app')],
      ['@actions/core'],
    ),
  },
  {
    // The composition root: core, ports and adapters, never a shell nor the runner.
    files: ['src/app/**/*.ts'],
    rules: layer(
      'The app (src/app) never imports a shell (src/action, src/cli) nor @actions/core: the shell passes values in',
      [into('action', 'cli')],
      ['@actions/core'],
    ),
  },
  {
    // Shells read input, call src/app and render the core's records.
    files: ['src/cli/**/*.ts'],
    rules: layer(
      'The CLI imports src/app, the core and ports: never the action, an adapter (through src/app) nor an SDK',
      [into('action'), adaptersButSignals],
      [],
      ['@aws-sdk/*'],
    ),
  },
  {
    files: ['src/action/**/*.ts'],
    rules: layer(
      'The action imports src/app, the core and ports: never the CLI, an adapter (through src/app) nor an SDK',
      [into('cli'), adaptersButSignals],
      [],
      ['@aws-sdk/*'],
    ),
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);

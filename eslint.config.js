// @ts-check
/**
 * Lint: typescript-eslint's recommended rules without type information (fast: the whole tree in seconds),
 * tuned where the house style deliberately differs, plus the layering rule of
 * docs/architecture.md: algorithm folders never import Kafka, RxJS or the connectors.
 */
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

const ALGORITHM_FOLDERS = ['learners', 'features', 'reco', 'neural', 'importance', 'trees', 'drift', 'linalg'].map((folder) => `src/${folder}/**/*.ts`);

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'coverage/**', 'reports/**', '.stryker-tmp/**', '**/*.d.ts', 'bench/python/**', 'clients/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        performance: 'readonly',
        globalThis: 'readonly',
      },
    },
    rules: {
      // Unused names are caught by tsc (noUnusedLocals/Parameters); `_`-prefixed ones are deliberate.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // `interface DecodeContext extends RecordPosition {}` names a role; it is not an accident.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      // Optional modules (tfjs-node, the lazily loaded neural net) are loaded with require on purpose: synchronous, and only when used.
      '@typescript-eslint/no-require-imports': 'off',
      'no-eval': 'error',
      'no-new-func': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ALGORITHM_FOLDERS,
    rules: {
      // Type-only imports compile away, so they add no runtime dependency (importance/publish.ts types a Kafka message).
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['kafkajs', 'kafkajs/*'],
              allowTypeImports: true,
              message: 'algorithm folders stay free of Kafka: move this to connectors/ or the topology runtime',
            },
            { group: ['rxjs', 'rxjs/*'], allowTypeImports: true, message: 'algorithm folders stay free of RxJS: move this to the topology runtime' },
            { group: ['**/connectors', '**/connectors/**'], allowTypeImports: true, message: 'algorithm folders never import connectors/' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    // Tests may use what the library may not: mocks that return anything, empty stubs.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-empty-function': 'off' },
  },
  {
    // The dashboard's page runs in the browser (a classic script, after uPlot's).
    files: ['src/observability/dashboard/static/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', Node: 'readonly', EventSource: 'readonly', uPlot: 'readonly' },
    },
  },
);

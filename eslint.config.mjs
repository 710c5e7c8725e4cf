// One flat config for the whole workspace: typed lint (typescript-eslint recommendedTypeChecked),
// no floating promises, consistent type imports, and purity fences for the decision code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.toolchain/**', '**/generated/**', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-restricted-properties': [
        'error',
        { object: 'it', property: 'only', message: 'no focused tests in committed code' },
        { object: 'describe', property: 'only', message: 'no focused tests in committed code' },
      ],
    },
  },
  {
    // Pure decision code: no I/O. Type-only imports stay allowed.
    files: ['proto/src/domain/**/*.ts', 'hub/src/core/**/*.ts', 'agent/src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@kubernetes/client-node', allowTypeImports: true }],
          patterns: [
            {
              group: [
                'fs',
                'fs/*',
                'node:fs',
                'node:fs/*',
                'node:net',
                'node:http',
                'node:https',
                'node:child_process',
                '@grpc/*',
                'ioredis',
                'bullmq',
                'isomorphic-git',
                'isomorphic-git/*',
              ],
              message: 'decision code is pure: move I/O into an adapter',
            },
          ],
        },
      ],
    },
  },
);

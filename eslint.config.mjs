// One flat config for the whole workspace: typed lint (typescript-eslint recommendedTypeChecked),
// no floating promises, consistent type imports, and the purity fence of the decision code
// (scripts/eslint/core-imports.ts, loaded by Node's type stripping).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { gitfleetPlugin } from './scripts/eslint/core-imports.ts';

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
    // The web UI runs in the browser: the hub's code only as types (the API's wire types).
    files: ['hub/ui/src/**/*.ts', 'hub/ui/src/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/**', '@gitfleet/*', 'node:*'],
              allowTypeImports: true,
              message: 'the web UI bundle imports hub or Node code as types only (import type)',
            },
          ],
        },
      ],
    },
  },
  {
    // Pure decision code: an allowlist of what core/ and domain/ files may import (see the rule).
    files: ['proto/src/domain/**/*.ts', 'hub/src/core/**/*.ts', 'agent/src/core/**/*.ts'],
    plugins: { gitfleet: gitfleetPlugin },
    rules: { 'gitfleet/core-imports': 'error' },
  },
);

// ESLint: typescript-eslint's type-checked rules on the product code (src/, adapters/, the web
// console in console/ with its own browser tsconfig), the plain recommended rules on tests,
// benchmarks and fixtures. Formatting is Prettier's job, not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'dist-bundle/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'adapters/**/*.ts', 'console/**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Contracts (adapters, emulator controls, fastify handlers and hooks) return promises: an implementation that needs no await is still async by contract.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Plain scripts (bin/, deploy/, .ci/) run on Node: the few Node globals they use.
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
  },
  {
    // TypeScript already checks undefined names (typescript-eslint's advice for .ts files).
    files: ['**/*.ts'],
    rules: { 'no-undef': 'off' },
  },
  {
    rules: {
      // `_name` marks a parameter kept for its position in a signature.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);

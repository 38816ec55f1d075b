// ESLint for the whole tree: typescript-eslint's recommended rules without type information (type-aware rules would
// run the compiler a second time; `tsc --noEmit` already checks types): seconds on the whole tree, about one with the
// cache. Why these rules and not others: docs/decisions.md, "A formatter, a linter, import floors ...".
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['node_modules/', '.nemo/', 'reports/', '**/fixtures/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // A leading underscore marks a value left unused on purpose (a destructured field dropped, a callback's
      // position), as tsc's noUnusedLocals and noUnusedParameters already allow.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Tests match the CLI's aligned columns; a run of literal spaces reads as the output does.
      'no-regex-spaces': 'off',
    },
  },
  {
    // The one plain-JavaScript file runs before any dependency exists: CommonJS under Node.
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // ES modules run by node directly (a candidate's test suite, scripts): Node's globals.
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);

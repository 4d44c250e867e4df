// ESLint for the TypeScript tree: typescript-eslint's strictest type-checked rule sets, type information
// from each package's tsconfig.json (projectService). Layer rules live in .dependency-cruiser.cjs.
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import mocha from 'eslint-plugin-mocha';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // Generated code is checked by its generator and the drift check, never by hand; dist/ is build output;
  // the Go and Python SDKs have their own linters; .bench-cache/ and .tools/ hold what benchmarks
  // downloaded or built (bench:peers' Python venv, ghz).
  globalIgnores([
    '**/node_modules/',
    '**/dist/',
    '**/gen/',
    'packages/proto/src/', // @cortex/proto: generated TypeScript only
    'packages/*-go/',
    'packages/*-python/',
    'packages/*-py/',
    'coverage/',
    'models/',
    'data/',
    '**/.bench-cache/',
    '.tools/',
  ]),
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      // noUncheckedIndexedAccess already makes every index read say how it handles a miss; in vector loops and
      // on proto's optional message fields `!` is that statement, and `?? 0` would hide a real bug instead.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Numbers read naturally in messages and addresses (`127.0.0.1:${port}`); null, undefined, objects do not.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `() => stream.cancel()` as a callback is the house style; a void value in other positions is still caught.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // `string[]` for simple element types, `Array<[A, B]>` where the element type is itself a compound.
      '@typescript-eslint/array-type': ['error', { default: 'array-simple' }],
      // The compiler's convention (noUnusedLocals/noUnusedParameters): a leading underscore marks a name unused on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^_', argsIgnorePattern: '^_' }],
      // winston declares its transports as interfaces over a class, so every `new winston.transports.Console()`
      // trips this rule; no class of ours relies on instance identity.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
    },
  },
  {
    // The whole-tree format guard: what the code already does by hand, without a formatter's rewrite.
    plugins: { '@stylistic': stylistic },
    rules: {
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true }],
      '@stylistic/semi': ['error', 'always'],
      // Ternary branches and object members of a union type sit one step in, as the code writes them today.
      '@stylistic/indent': [
        'error',
        2,
        { offsetTernaryExpressions: true, SwitchCase: 1, ignoredNodes: ['TSUnionType > TSTypeLiteral > *', 'TSUnionType > TSTypeLiteral'] },
      ],
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      '@stylistic/eol-last': ['error', 'always'],
      '@stylistic/no-trailing-spaces': 'error',
      '@stylistic/no-multiple-empty-lines': ['error', { max: 1, maxEOF: 0 }],
      '@stylistic/max-len': ['error', { code: 140, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true }],
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', '**/*test-helpers.ts'],
    plugins: { mocha },
    rules: {
      // A committed .only silently skips the rest of the suite (mocha's forbid-only catches it at run time too).
      'mocha/no-exclusive-tests': 'error',
      'mocha/no-identical-title': 'error',
      // Fakes implement async interfaces with synchronous bodies (`embed: async (texts) => ...`): that is the point.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Plain JavaScript (scripts/) and its declaration files are not in any tsconfig: lint them without type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs', 'scripts/**/*.d.mts'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
);

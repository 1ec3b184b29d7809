import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const impure = {
  paths: ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process', 'net', 'node:net', 'os', 'node:os']
    .map((name) => ({ name, message: 'config, model and compiler are pure: pass host facts and file contents in.' })),
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['src/config/**/*.ts', 'src/model/**/*.ts', 'src/compiler/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', impure],
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'pure code does not read the clock: take `now` as an argument.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'pure code does not read the clock: take `now` as an argument.' },
        { selector: "MemberExpression[object.name='performance'][property.name='now']", message: 'pure code does not read the clock.' },
        { selector: "MemberExpression[object.name='process']", message: 'pure code does not read the process environment.' },
      ],
    },
  },
);

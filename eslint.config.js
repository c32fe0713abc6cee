// ESLint (flat config): typescript-eslint's type-aware rules over the sources, the plain rules over the tests and
// scripts. `npm run lint` runs it with Prettier's check and the unused-exports check; `.ci/run` runs `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['.build/**', 'dist/**', 'node_modules/**', 'cdk8s.out/**', 'coverage/**'] },
  js.configs.recommended,
  {
    files: ['constructs/**/*.ts', 'values/**/*.ts', 'src/**/*.ts', 'bench/**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Every command has the same async signature (Command.run), whether or not it awaits.
      '@typescript-eslint/require-await': 'off',
      // `x as never` and `x as any` throw the types away.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSAsExpression > TSNeverKeyword, TSAsExpression > TSAnyKeyword',
          message: 'a cast to never or any throws the types away: type the value (kubeObject<T>, a typed helper)',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'vitest.config.ts'],
    extends: [...tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['bin/**/*.js', 'test/**/*.mjs', 'eslint.config.js', 'scripts/**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
      },
    },
  },
);

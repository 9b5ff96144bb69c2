// ESLint for the labextension: typescript-eslint's recommended rules, the Jupyter plugin's
// recommended rules, and the project's conventions (I-prefixed interfaces, curly, eqeqeq).
import jupyter from '@jupyter/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // src/schema.ts is generated from api/openapi.yaml (schema.mjs), names and all.
  {
    ignores: [
      'lib/',
      'node_modules/',
      'coverage/',
      '*.js',
      '*.mjs',
      'src/schema.ts'
    ]
  },
  ...tseslint.configs.recommended,
  ...jupyter.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      // Typed linting (the Jupyter rules resolve plugin tokens through the types).
      parserOptions: {
        project: ['./tsconfig.test.json'],
        tsconfigRootDir: import.meta.dirname
      }
    },
    rules: {
      '@typescript-eslint/naming-convention': [
        'error',
        {
          selector: 'interface',
          format: ['PascalCase'],
          custom: { regex: '^I[A-Z]', match: true }
        }
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none' }],
      curly: ['error', 'all'],
      eqeqeq: 'error',
      'no-console': 'error',
      'prefer-arrow-callback': 'error'
    }
  },
  {
    // The panel is shown at start-up, so activation needs these modules at once.
    files: ['src/index.ts'],
    rules: { 'jupyter/prefer-lazy-imports': 'off' }
  },
  {
    files: ['src/__tests__/**/*.ts'],
    rules: { 'jupyter/no-untranslated-string': 'off' }
  }
);

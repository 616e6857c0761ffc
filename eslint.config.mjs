// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // test/fixtures: plain CommonJS preloaded into a spawned service (NODE_OPTIONS=--require), outside the TS project.
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', '*.config.js', '*.config.mjs', 'test/fixtures/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      curly: 'error',
    },
  },
  // The core is the framework-free library: it imports itself and the OpenAI wire types, nothing of the service.
  ...[1, 2, 3, 4].map((depth) => ({
    files: [`src/core/${'*/'.repeat(depth - 1)}*.ts`],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'express', 'rxjs', 'rxjs/*', 'nestjs-pino', 'pino*', 'class-*', 'ioredis'],
              message: 'src/core is framework-free: no Nest, Express, RxJS or service dependencies.',
            },
            {
              // From this depth, `../` repeated `depth` times leaves src/core: only src/openai is allowed there.
              regex: `^(\\.\\./){${depth}}(?!openai/)`,
              message: 'src/core imports only itself and src/openai (wire types), never the service around it.',
            },
          ],
        },
      ],
    },
  })),
  {
    // Specs poke at loosely typed JSON bodies from supertest and the wire; the production code stays strict.
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);

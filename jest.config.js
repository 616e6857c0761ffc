/** @type {import('jest').Config} */
// Transpile only (tsc type-checks in CI); CommonJS so lazy `import()`s of our own files work inside Jest's VM.
const tsJest = ['ts-jest', { isolatedModules: true, tsconfig: { module: 'commonjs', moduleResolution: 'node10' } }];
// jose (used by @a2a-js/sdk) ships ESM only; Node runs it through require(esm), Jest's VM needs it as CommonJS.
const esmToCommonJs = ['ts-jest', { isolatedModules: true, tsconfig: { module: 'commonjs', allowJs: true } }];
const common = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': tsJest, '/node_modules/jose/.+\\.js$': esmToCommonJs },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  testEnvironment: 'node',
  // Examples import the package by its own name, as users would.
  moduleNameMapper: { '^chat-agent-server$': '<rootDir>/src/index.ts', '^(\\.{1,2}/.*)\\.js$': '$1' },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
};
module.exports = {
  testTimeout: 30000,
  projects: [
    { ...common, displayName: 'unit', rootDir: '.', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', rootDir: '.', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};

import { readFileSync } from 'node:fs';
import type { Config } from 'jest';
import ts from 'typescript';

/*
 * Jest 30 + @swc/jest for Nest 12 ES modules (see STYLE.md "Versions first").
 * Run with NODE_OPTIONS=--experimental-vm-modules (the npm scripts do).
 * Jest loads this file through ts-node, where neither __dirname nor
 * import.meta is dependable, so nothing here depends on this file's location:
 * tsconfig.json is found from the working directory (as Jest finds this file)
 * and every path is relative to <rootDir>.
 */

const swcOptions = {
  jsc: {
    target: 'es2023',
    parser: { syntax: 'typescript', decorators: true },
    // Nest DI needs legacy decorators and emitted design:paramtypes metadata.
    transform: { legacyDecorator: true, decoratorMetadata: true },
    // Class names are used as DI tokens and logger contexts.
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

/** Maps tsconfig `paths` (the single source of truth) to Jest module names. */
function pathAliases(): Record<string, string> {
  const file = ts.findConfigFile(process.cwd(), (f) => ts.sys.fileExists(f));
  if (!file) throw new Error('jest.config.ts: no tsconfig.json found');
  const parsed = ts.parseConfigFileTextToJson(file, readFileSync(file, 'utf8'));
  if (parsed.error) throw new Error(`jest.config.ts: cannot parse ${file}`);
  const { paths } = (
    parsed.config as { compilerOptions: { paths?: Record<string, string[]> } }
  ).compilerOptions;
  const mapper: Record<string, string> = {};
  for (const [alias, [target]] of Object.entries(paths ?? {})) {
    const from = `^${alias.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace('*', '(.*)')}$`;
    mapper[from] =
      `<rootDir>/${target.replace(/^\.\//, '').replace('*', '$1')}`;
  }
  return mapper;
}

const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  transform: { '^.+\\.ts$': ['@swc/jest', swcOptions] },
  moduleNameMapper: {
    ...pathAliases(),
    // Sources import relative files as `./x.js`; Jest resolves the `.ts`.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  // class-validator/class-transformer decorators read design metadata, which
  // Nest loads in the apps; specs of plain classes need it too.
  setupFiles: ['reflect-metadata'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/'],
} satisfies Config;

const config: Config = {
  // Generous for e2e (Redis servers, built apps). Jest reads testTimeout from
  // the global config only, so it cannot be set per project.
  testTimeout: 120_000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/apps/**/src/**/*.spec.ts',
        '<rootDir>/libs/**/src/**/*.spec.ts',
      ],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: [
        '<rootDir>/apps/*/test/**/*.e2e-spec.ts',
        '<rootDir>/test/**/*.e2e-spec.ts',
      ],
      // End-to-end tests start Redis servers and built apps, each file its
      // own (private redis-servers, a database per file), so two files run
      // at once (npm run test:e2e: maxWorkers is not a per-project option).
      slowTestThreshold: 30,
      // Every server a test starts is recorded; whatever is left when the
      // run ends (even with --forceExit, or Jest killed) is killed, and a
      // leftover fails the run (test/support/process-registry.ts).
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};

export default config;

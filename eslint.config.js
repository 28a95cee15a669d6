// One lint config for the whole repository. The import restrictions keep the dependency rules
// of docs/architecture.md true: contracts imports nothing of ours, domain only contracts, the SDK
// only contracts, and the web app talks to the server over HTTP only.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ours = (except) =>
  ['@aetherboard/server', '@aetherboard/sdk', '@aetherboard/cli', '@aetherboard/contracts']
    .filter((p) => !except.includes(p))
    .map((name) => ({ name, message: 'Breaks the package dependency rules (docs/architecture.md).' }));

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'packages/web/dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Time is a dependency: use the Clock.' }],
    },
  },
  { files: ['packages/contracts/src/**'], rules: { 'no-restricted-imports': ['error', { paths: ours([]), patterns: ['../../*'] }] } },
  { files: ['packages/sdk/src/**'], rules: { 'no-restricted-imports': ['error', { paths: ours(['@aetherboard/contracts']), patterns: ['**/server/**'] }] } },
  {
    files: ['packages/server/src/domain/**'],
    rules: { 'no-restricted-imports': ['error', { paths: ours(['@aetherboard/contracts']), patterns: ['../store/*', '../engine/*', '../api/*', 'kysely', 'fastify', 'better-sqlite3', 'pg'] }] },
  },
  { files: ['packages/web/src/**'], rules: { 'no-restricted-imports': ['error', { paths: ours(['@aetherboard/contracts']), patterns: ['**/server/**'] }] } },
  {
    // The clock implementation, benchmarks and the SDK (which runs inside agents) may read wall time.
    files: ['packages/server/src/clock.ts', 'bench/**', 'packages/sdk/src/**', 'packages/cli/src/**', '**/*.test.ts', '**/test-support/**', 'packages/*/test/**', 'packages/web/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);

/**
 * The arrows ../shared/ARCHITECTURE.md allows between folders, and no import cycles (type-only imports count:
 * `tsPreCompilationDeps`). `npm run lint` runs it; a wrong arrow or any cycle fails CI. dependency-cruiser rather than
 * eslint-plugin-import's no-cycle: it sees type-only imports, checks the whole graph once (no-cycle re-walks it per
 * file), and states folder rules as an allow-list, so a new folder is forbidden everything until it is placed.
 */
const npm = { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown', 'core'] };

/** `from` may import these folders (and itself, and packages). */
const may = (from, to, extra = {}) => ({ from: { path: `^${from}/` }, to: { path: `^(${[from, ...to].join('|')})/`, ...extra } });

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Import cycles, type-only ones included.', from: {}, to: { circular: true } },
    {
      name: 'api-koa-only',
      severity: 'error',
      comment: 'Koa, its router and body parser belong to api/ alone.',
      from: { pathNot: '^(api|test)/' },
      to: { path: 'node_modules/(koa|@koa/)' },
    },
    {
      name: 'workflow-sandbox',
      severity: 'error',
      comment: 'Workflows run in the deterministic sandbox: only @temporalio/workflow and @temporalio/common from packages.',
      from: { path: '^workflows/' },
      to: { dependencyTypes: npm.dependencyTypes, pathNot: 'node_modules/@temporalio/(workflow|common)/' },
    },
  ],
  allowed: [
    { from: {}, to: npm },
    // Entry points, tests and the root's tool configuration may import anything.
    { from: { path: '^(stack|cli|bench|scripts|fuzz|test|bin)/|^[^/]+$' }, to: {} },
    may('api', ['services', 'temporal', 'domain', 'lib']),
    { from: { path: '^api/' }, to: { path: '^db/rows\\.ts$' } },
    { from: { path: '^api/' }, to: { path: '^db/repositories/', dependencyTypes: ['type-only'] } },
    { from: { path: '^api/server\\.ts$' }, to: { path: '^db/connection\\.ts$' } },
    may('services', ['carriers', 'db', 'domain', 'lib']),
    // The starters' type, and the payloads of the signals they send (the workflows' contract).
    { from: { path: '^services/' }, to: { path: '^(temporal|workflows/shared)/', dependencyTypes: ['type-only'] } },
    may('temporal', ['workflows', 'domain', 'lib']),
    may('workflows', ['domain']),
    may('activities', ['services', 'carriers', 'db', 'domain', 'lib', 'workflows/shared']),
    may('worker', ['activities', 'temporal', 'carriers', 'db', 'domain', 'lib', 'workflows/shared']),
    may('carriers', ['domain', 'lib']),
    may('db', ['domain', 'lib']),
    may('domain', []),
    may('lib', []),
  ],
  allowedSeverity: 'error',
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|\\.data|\\.tools|coverage)/' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};

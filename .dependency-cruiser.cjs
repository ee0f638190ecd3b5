/**
 * The import rule: each folder is a layer, and a file imports only layers below its own (or files
 * of its own folder). No cycles, between files or between layers. `npm run lint` checks it;
 * docs/architecture.md draws it; test/architecture.test.ts proves it catches a violation.
 *
 * Within one rank, folders are siblings and do not import each other.
 */
const LAYERS = [
  { rank: 0, folders: ['domain'], says: 'pure types, schemas and decisions' },
  { rank: 1, folders: ['lib', 'config'], says: 'generic helpers; the environment schema' },
  {
    rank: 2,
    folders: ['comms', 'intake', 'links', 'journeys', 'hooks', 'expiry', 'temporal', 'store', 'evidence'],
    says: 'libraries by concern',
  },
  { rank: 3, folders: ['salesforce'], says: 'the Salesforce library (plugs an expiry source in)' },
  { rank: 4, folders: ['activities'], says: 'every side effect an incident can have' },
  { rank: 5, folders: ['workflows'], says: 'the incident and its helpers (types only from activities)' },
  { rank: 6, folders: ['client', 'workers'], says: 'the incident client; worker factories' },
  { rank: 7, folders: ['status-page', 'simulation'], says: 'front ends used by other front ends' },
  { rank: 8, folders: ['gateway', 'cli'], says: 'front ends' },
  { rank: 9, folders: ['app'], says: 'the composition root: everything built from configuration' },
  { rank: 10, folders: ['bin', 'scripts', 'bench'], says: 'entry points' },
];

const escapeRegex = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const folderPattern = (folders) => `^(${folders.map(escapeRegex).join('|')})/`;

function layerRules() {
  return LAYERS.filter((layer) => LAYERS.some((other) => other.rank >= layer.rank && other !== layer)).map(
    (layer) => {
      const notBelow = LAYERS.filter((other) => other.rank >= layer.rank)
        .flatMap((other) => other.folders)
        .filter((folder) => !layer.folders.includes(folder));
      const rule = {
        name: `layer-${layer.rank}-looks-down`,
        comment: `${layer.folders.join(', ')} (${layer.says}) may import only layers below rank ${layer.rank}`,
        severity: 'error',
        from: { path: folderPattern(layer.folders) },
        to: { path: folderPattern(notBelow) },
      };
      return rule;
    },
  );
}

module.exports = {
  forbidden: [
    ...layerRules(),
    {
      name: 'no-cycles',
      comment: 'files that import each other in a loop',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'every-file-has-a-layer',
      comment: 'a new top-level folder gets its place in LAYERS first',
      severity: 'error',
      from: { pathNot: `${folderPattern(LAYERS.flatMap((layer) => layer.folders))}|^[^/]+$` },
      to: {},
    },
    {
      name: 'entry-points-are-not-imported',
      comment: 'nothing imports an entry point',
      severity: 'error',
      from: {},
      to: { path: folderPattern(['bin', 'scripts']) },
    },
  ],
  options: {
    exclude: { path: '^(node_modules|test|\\.data|\\.tools|docs)/' },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};

/**
 * drydock's layers, checked by dependency-cruiser in `npm test` (scripts/test.sh) and `npm run lint:deps`.
 * A folder of src/ may import its own layer's folders and the layers below it, never a layer above; the
 * folders of one layer do not import each other (a few named edges aside); third-party packages each have one door.
 * The picture is in docs/architecture.md ("Folders and layers").
 */
const LAYERS = [
  ['util'],
  ['events', 'policy', 'inventory'],
  ['kube', 'transport', 'playbook', 'pki'],
  ['modules'],
  ['engine', 'run', 'journal', 'lock'],
  ['upgrade', 'reboot', 'certs', 'lab', 'notify', 'report'],
  ['cli'],
];

const folders = (list) => `^src/(${list.join('|')})/`;

const layerRules = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${layer.join('-')}`,
  comment: `${layer.join(', ')} may not import the layers above: ${LAYERS.slice(index + 1).flat().join(', ')}`,
  severity: 'error',
  from: { path: folders(layer) },
  to: { path: folders(LAYERS.slice(index + 1).flat()) },
}));

/**
 * Folders of one layer do not import each other (so no two folders form a circle), except these edges:
 * the engine records the journal and reads run/'s connection planning. The commands' planners (upgrade,
 * reboot, certs, lab) never import one another, nor does notify (--notify's posts, beside them).
 */
const SIBLING_EDGES = { engine: ['run', 'journal'] };
const siblingRules = LAYERS.flatMap((layer) =>
  layer.map((folder) => ({ folder, others: layer.filter((f) => f !== folder && !(SIBLING_EDGES[folder] ?? []).includes(f)) })),
)
  .filter(({ others }) => others.length > 0)
  .map(({ folder, others }) => ({
    name: `sibling-${folder}`,
    comment: `${folder} does not import ${others.join(', ')} (same layer)`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: folders(others) },
  }));

/** Each third-party package is imported by the one module of ours listed (its door). */
const DOORS = {
  ssh2: '^src/transport/(ssh|ssh-connection|sftp|dial|connect-errors|exec|exec-streams|proxy-jump|jump-chain|fingerprint|host-key-check|types)\\.ts$',
  '@kubernetes/client-node': '^src/kube/client\\.ts$',
  winston: '^src/events/logger\\.ts$',
  'ssh-config': '^src/transport/ssh-config[^/]*\\.ts$',
  yaml: '^src/util/yaml\\.ts$',
  'p-queue': '^src/util/queue\\.ts$',
  commander: '^src/(cli/|lab/cli\\.ts$)',
  semver: '^src/policy/',
  // The lab bundles its node agent (src/lab/agent) into the kubelet package it serves.
  esbuild: '^src/lab/kube/binaries\\.ts$',
};
const doorRules = Object.entries(DOORS).map(([pkg, door]) => ({
  name: `door-${pkg.replace(/[@/]/g, '_')}`,
  comment: `${pkg} is imported only through its one module (${door})`,
  severity: 'error',
  from: { path: '^src/', pathNot: door },
  to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], path: `node_modules/${pkg}/` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    ...siblingRules,
    ...doorRules,
    {
      name: 'no-circular',
      comment: 'files do not import each other in a circle (the expression evaluator and its filters, and the lab simulator, still do)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(playbook/expr|lab/apiserver)/' },
      // Loading on demand is not a circle at load time: the program's command table and resume's rebuild of it.
      to: { circular: true, dependencyTypesNot: ['dynamic-import'] },
    },
    {
      name: 'door-playwright-core',
      comment: 'playwright-core (the browser tests and the report benchmark) is imported only through test/helpers/browser.ts',
      severity: 'error',
      from: { pathNot: '^test/helpers/browser\\.ts$' },
      to: { path: 'node_modules/playwright-core/' },
    },
    {
      name: 'src-not-to-test',
      comment: 'src/ never imports test code',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'every import resolves',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.cjs', '.mjs', '.json'] },
    exclude: { path: '^dist/' },
  },
};

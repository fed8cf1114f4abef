// Four suites: unit (pure logic), conformance (real XRootD daemons on loopback),
// integration (a real Kubernetes control plane, kwok nodes) and node (the control plane
// with a real kubelet node running the built images). `npm test` runs all four. A fifth,
// argocd (Argo CD's own controllers on the control plane), runs with `npm run test:argocd`.
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }] },
  testEnvironment: 'node',
};

export default {
  testSequencer: '<rootDir>/test/sequencer.mjs',
  // For hooks and tests that give no timeout of their own (a global option: jest-circus reads it
  // there): stopping a cluster's daemons in an afterAll took more than jest's 5 s with suites
  // running side by side on two cores.
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'conformance', testMatch: ['<rootDir>/test/conformance/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'node', testMatch: ['<rootDir>/test/node/**/*.test.ts'] },
    { ...common, displayName: 'argocd', testMatch: ['<rootDir>/test/argocd/**/*.test.ts'] },
  ],
};

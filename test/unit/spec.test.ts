import { readFileSync } from 'node:fs';
import { MANAGED_SPELLINGS, resolveCluster, SpecValidationError, type XrootdClusterProps } from '../../constructs/index.js';
import { DIRECTIVE_LINE } from '../../constructs/api/directives.js';
import { generatedFiles } from '../../constructs/api/generated-files.js';
import { toOpenApi } from '../../constructs/api/openapi.js';
import { xrootdSpecSchema } from '../../constructs/api/schema.js';
import { applySchema, characters, re2, type SpecIssue } from '../../constructs/api/validate.js';

function messagesOf(props: Record<string, unknown>): string[] {
  try {
    resolveCluster({ name: 'c', ...props } as XrootdClusterProps);
  } catch (e) {
    expect(e).toBeInstanceOf(SpecValidationError);
    return (e as SpecValidationError).issues.map((i) => i.message);
  }
  throw new Error('expected a validation error');
}

describe('spec defaults', () => {
  test('an empty spec gets every default', () => {
    const issues: SpecIssue[] = [];
    const spec = applySchema(xrootdSpecSchema, {}, '', issues) as Record<string, any>;
    expect(issues).toEqual([]);
    expect(spec.version).toBe('5.8.1');
    expect(spec.redirector.replicas).toBe(1);
    expect(spec.worker.replicas).toBe(2);
    expect(spec.worker.storage).toEqual({ capacity: '10Gi', accessModes: ['ReadWriteOnce'], layout: 'LocalRoot', retention: { whenScaled: 'Retain', whenDeleted: 'Retain' } });
    expect(spec.xrootd).toMatchObject({ port: 1094, cmsdPort: 1213, exports: [{ path: '/data', readOnly: false }], http: false });
    expect(spec.supervisor.replicas).toBeUndefined();
  });

  test('given values win over defaults, nested defaults still apply', () => {
    const issues: SpecIssue[] = [];
    const spec = applySchema(xrootdSpecSchema, { worker: { replicas: 7, storage: { capacity: '1Gi' } } }, '', issues) as Record<string, any>;
    expect(spec.worker.replicas).toBe(7);
    expect(spec.worker.storage.capacity).toBe('1Gi');
    expect(spec.worker.storage.retention.whenDeleted).toBe('Retain');
  });
});

describe('validation names the field and the rule', () => {
  test.each<[string, Record<string, unknown>, string]>([
    ['too few data servers', { worker: { replicas: 0 } }, 'worker.replicas must be >= 1 (0 only in a meta-manager: federation.metaManager)'],
    ['a meta-manager with data servers', { federation: { metaManager: true } }, 'federation.metaManager needs worker.replicas 0'],
    ['a meta-manager subscribing upward', { worker: { replicas: 0 }, federation: { metaManager: true, upstream: ['meta.example.org:1213'] } }, 'federation.upstream cannot be set on a meta-manager'],
    ['an upstream that is not host:port', { federation: { upstream: ['meta.example.org:1213 if exec xrootd'] } }, 'federation.upstream[0] must be host:port'],
    ['too many redirectors', { redirector: { replicas: 17 } }, 'redirector.replicas must be <= 16, got 17'],
    ['no redirector', { redirector: { replicas: 0 } }, 'redirector.replicas must be >= 1, got 0'],
    ['a fraction', { worker: { replicas: 1.5 } }, 'worker.replicas must be a whole number, got 1.5'],
    ['a string for a number', { xrootd: { port: '1094' } }, 'xrootd.port must be a whole number, got "1094"'],
    ['a typo', { wroker: { replicas: 2 } }, 'wroker is not a known field'],
    ['a nested typo', { worker: { replica: 2 } }, 'worker.replica is not a known field (known here: replicas, storage, scaleDown, autoscale, nodeDrain, drainToken, maintenance, resources, extraDirectives)'],
    ['a bad enum', { imagePullPolicy: 'Sometimes' }, 'imagePullPolicy must be one of Always, IfNotPresent, Never, got "Sometimes"'],
    ['a bad quantity', { worker: { storage: { capacity: '10 GB' } } }, 'worker.storage.capacity must be a Kubernetes quantity such as 500m, 2Gi or 10G, got "10 GB"'],
    ['a tiny volume', { worker: { storage: { capacity: '1Mi' } } }, 'worker.storage.capacity must be a size of at least 16Mi, got "1Mi"'],
    ['a relative export', { xrootd: { exports: [{ path: 'data' }] } }, 'xrootd.exports[0].path must be an absolute path'],
    // The start script makes each export under the data volume: `..` would reach outside it.
    ['an export climbing out', { xrootd: { exports: [{ path: '/data/../../etc' }] } }, 'xrootd.exports[0].path must be an absolute path of letters, digits, ".", "_" and "-" with no "." or ".." component, got "/data/../../etc"'],
    ['an export of dots', { xrootd: { exports: [{ path: '/./' }] } }, 'xrootd.exports[0].path must be an absolute path'],
    ['an export with a quote', { xrootd: { exports: [{ path: "/data'x" }] } }, 'xrootd.exports[0].path must be an absolute path'],
    ['an export with a newline', { xrootd: { exports: [{ path: '/data\nall.role manager' }] } }, 'xrootd.exports[0].path must be an absolute path'],
    ['an export with a command', { xrootd: { exports: [{ path: '/data$(reboot)' }] } }, 'xrootd.exports[0].path must be an absolute path'],
    ['a duplicate export', { xrootd: { exports: [{ path: '/a' }, { path: '/a' }] } }, 'xrootd.exports[1].path must be unique in the list (a trailing slash makes no difference), got "/a"'],
    ['a duplicate export but for a trailing slash', { xrootd: { exports: [{ path: '/a' }, { path: '/a/' }] } }, 'xrootd.exports[1].path must be unique in the list (a trailing slash makes no difference), got "/a/"'],
    ['a port beyond 65535', { xrootd: { summaryMonitoring: 'collector:65536' } }, 'xrootd.summaryMonitoring must be host:port, the port from 1 to 65535, got "collector:65536"'],
    ['a request above its limit', { worker: { resources: { requests: { memory: '8Gi' }, limits: { memory: '4Gi' } } } }, 'worker.resources.requests.memory must be at most the limit (worker.resources.limits.memory: 4Gi), got "8Gi"'],
    ['a node selector key Kubernetes refuses', { scheduling: { nodeSelector: { 'disk type': 'ssd' } } }, 'scheduling.nodeSelector keys must be a qualified name'],
    ['a node selector value Kubernetes refuses', { scheduling: { nodeSelector: { disk: 'solid state' } } }, 'scheduling.nodeSelector.disk must be a label value'],
    ['an annotation key Kubernetes refuses', { expose: { type: 'LoadBalancer', annotations: { 'a/b/c': 'x' } } }, 'expose.annotations keys must be a qualified name ([prefix/]name): at most one "/", got "a/b/c"'],
    ['an image reference with an upper-case repository', { image: 'registry.example.org/Xrootd:5.8.1' }, 'image must be an image reference'],
    ['a StorageClass name Kubernetes refuses', { worker: { storage: { class: 'Fast_SSD' } } }, 'worker.storage.class must be a StorageClass name'],
    ['an image pull Secret name Kubernetes refuses', { imagePullSecrets: ['Reg_Cred'] }, 'imagePullSecrets[0] must be a Secret name'],
    ['a cluster domain label of 64 characters', { clusterDomain: `${'a'.repeat(64)}.local` }, 'clusterDomain must be a DNS domain'],
    ['a line separator in a directive', { worker: { extraDirectives: ['xrootd.trace all\u2028all.manager evil:1213'] } }, 'worker.extraDirectives[0] must be one directive on one line'],
    ['an old spelling of the pid path', { worker: { extraDirectives: ['cms.pidpath /tmp'] } }, 'worker.extraDirectives[0] must not set a directive the library manages'],
    ['an export without path', { xrootd: { exports: [{ readOnly: true }] } }, 'xrootd.exports[0].path is required'],
    ['no exports', { xrootd: { exports: [] } }, 'xrootd.exports must have at least 1 entries, got 0'],
    ['equal ports', { xrootd: { port: 2000, cmsdPort: 2000 } }, 'xrootd.cmsdPort must differ from xrootd.port'],
    ['an unknown version', { version: '4.0.0' }, 'version must be a version in the catalog (5.5.3, 5.8.1, 6.2.0), got "4.0.0"'],
    ['a site name with a space', { site: 'CERN PROD' }, 'site must be letters, digits, "_" and "-"'],
    ['a site name that would add a directive', { site: 'x\nall.role manager' }, 'site must be letters, digits, "_" and "-"'],
    ['a drain token key of dots', { worker: { drainToken: { secretName: 'drain', key: '..' } }, security: { tls: { secretName: 'tls' }, tokens: { audiences: ['a'], issuers: [{ name: 'i', url: 'https://i.example.org', basePaths: ['/data'] }] } } }, 'worker.drainToken.key must be a Secret key: letters, digits, "-", "_" and ".", not only dots, got ".."'],
    ['a host name template without {pod} first', { expose: { type: 'LoadBalancer', hostnameTemplate: 'xrootd.example.org' } }, 'expose.hostnameTemplate must be {pod} followed by a lower-case DNS domain'],
    ['a host name template without Services', { expose: { type: 'HostNetwork', hostnameTemplate: '{pod}.xrootd.example.org' } }, 'expose.hostnameTemplate needs type LoadBalancer or NodePort'],
    ['Service annotations without Services', { expose: { annotations: { a: 'b' } } }, 'expose.annotations need type LoadBalancer or NodePort'],
    ['too few supervisors', { worker: { replicas: 200 }, supervisor: { replicas: 4 } }, 'supervisor.replicas is too small for worker.replicas: the managers take 64 - supervisors data servers'],
    ['fewer supervisors than each data server subscribes to', { worker: { replicas: 70 }, supervisor: { replicas: 1 } }, 'supervisor.replicas is too small for worker.replicas'],
    ['more data servers than redundant supervisors hold', { worker: { replicas: 2049 } }, 'worker.replicas is more than one supervisor tier holds with supervisor.redundancy'],
    ['a newline in a directive', { worker: { extraDirectives: ['xrootd.trace all\nall.role manager'] } }, 'worker.extraDirectives[0] must be one directive on one line'],
    ['a managed directive', { redirector: { extraDirectives: ['all.manager evil.example.org:1213'] } }, 'redirector.extraDirectives[0] must not set a directive the library manages'],
    ['a control word', { worker: { extraDirectives: ['set x = 1'] } }, 'worker.extraDirectives[0] must be one directive on one line'],
    ['a bad resource name', { worker: { resources: { requests: { gpu: '1' } } } }, 'worker.resources.requests.gpu must be one of cpu, memory, ephemeral-storage'],
    ['a bad monitoring address', { xrootd: { summaryMonitoring: 'collector' } }, 'xrootd.summaryMonitoring must be host:port, the port from 1 to 65535, got "collector"'],
    ['a drain with tokens but no token for it', { worker: { scaleDown: 'Drain' }, security: { tls: { secretName: 'tls' }, tokens: { audiences: ['a'], issuers: [{ name: 'i', url: 'https://i.example.org', basePaths: ['/data'] }] } } }, 'worker.scaleDown Drain needs worker.drainToken with security.tokens'],
    ['a drain with GSI alone', { worker: { scaleDown: 'Drain' }, security: { tls: { secretName: 'tls' }, gsi: {} } }, 'cannot be used with security.gsi without tokens'],
    ['a drain token without tokens', { worker: { drainToken: { secretName: 't' } } }, 'worker.drainToken needs security.tokens'],
    ['an unknown scale-down', { worker: { scaleDown: 'Retain' } }, 'worker.scaleDown must be one of Immediate, Drain, got "Retain"'],
    ['a name too long for drain Jobs', { name: 'a'.repeat(47), worker: { scaleDown: 'Drain' } }, 'name is too long: the drain Job name'],
  ])('%s', (_why, props, expected) => {
    expect(messagesOf(props).join('\n')).toContain(expected);
  });

  test('every broken rule is reported, not only the first', () => {
    expect(messagesOf({ worker: { replicas: -1 }, redirector: { replicas: 20 }, xrootd: { port: 1 } })).toHaveLength(3);
  });

  test('a bad cluster name', () => {
    expect(messagesOf({ name: 'My_Cluster' })[0]).toMatch(/^name must be a DNS label .*got "My_Cluster"/);
  });

  test('the error message lists the issues under the subject', () => {
    expect(() => resolveCluster({ name: 'c', worker: { replicas: 0 } })).toThrow('invalid XrootdCluster "c":\n  - worker.replicas must be >= 1 (0 only in a meta-manager');
  });

  test('export paths with dots inside a component are fine', () => {
    for (const path of ['/.hidden', '/a..b', '/store/v1.2/', '/data/...x']) {
      expect(() => resolveCluster({ name: 'c', xrootd: { exports: [{ path }] } })).not.toThrow();
    }
  });

  test('at Kubernetes\' edges, what it takes is taken: a request equal to its limit however written, image references of every form', () => {
    expect(() => resolveCluster({ name: 'c', worker: { resources: { requests: { cpu: '700m', memory: '1.5Gi' }, limits: { cpu: '0.7', memory: '1536Mi' } } } })).not.toThrow();
    for (const image of ['xrootd', 'library/xrootd:latest', 'ghcr.io/xrootd-k8s/xrootd:5.8.1', 'registry.example.org:5000/a/b:1.0', '[fd00::1]:5000/xrootd:5.8.1',
      `ghcr.io/xrootd-k8s/xrootd:5.8.1@sha256:${'a'.repeat(64)}`, 'a__b/c---d']) {
      expect(() => resolveCluster({ name: 'c', image })).not.toThrow();
    }
    for (const key of ['disk', 'example.com/disk', 'Disk_1.x']) expect(() => resolveCluster({ name: 'c', scheduling: { nodeSelector: { [key]: '' } } })).not.toThrow();
  });

  test('a managed directive is refused under every spelling XRootD accepts for it', () => {
    expect(MANAGED_SPELLINGS).toEqual(expect.arrayContaining(['cms.manager', 'olb.manager', 'odc.manager', 'ofs.role', 'xrd.adminpath', 'xrootd.export', 'cms.localroot', 'pss.export', 'macaroons.sitename', 'ssi.role']));
    for (const directive of MANAGED_SPELLINGS) {
      expect(messagesOf({ redirector: { extraDirectives: [`${directive} x`] } }).join('\n'))
        .toContain('redirector.extraDirectives[0] must not set a directive the library manages');
      expect(messagesOf({ worker: { extraDirectives: [directive] } }).join('\n')).toContain('must not set a directive the library manages');
    }
  });

  test.each<[string, string]>([
    ['a NUL byte (XRootD stops reading the line there)', 'xrootd.trace all\u0000all.role manager'],
    ['a carriage return', 'xrootd.trace all\rall.role manager'],
    ['a vertical tab', 'xrootd.trace\u000ball'],
    ['a DEL', 'xrootd.trace all\u007f'],
    ['a trailing backslash (XRootD joins the next line)', 'xrootd.trace all \\'],
    ['a trailing backslash before blanks', 'xrootd.trace all\\ \t '],
    ['a backslash alone', 'xrootd.trace \\'],
    ['no component', 'trace all'],
    ['an upper-case name', 'XROOTD.trace all'],
    ['leading blanks', ' xrootd.trace all'],
  ])('an extra directive with %s is refused', (_why, directive) => {
    expect(messagesOf({ worker: { extraDirectives: [directive] } }).join('\n')).toContain('worker.extraDirectives[0] must be one directive on one line');
  });

  test('an allowed extra directive passes', () => {
    for (const directive of ['xrootd.trace emsg login', 'cms.trace\tdefs', 'ofs.trace open  ', 'sec.protocol ztn', 'xrootd.trace all if exec xrootd', 'pss.setopt DebugLevel 1', 'acc.authdb /etc/xrootd/auth db']) {
      expect(() => resolveCluster({ name: 'c', worker: { extraDirectives: [directive] } })).not.toThrow();
    }
  });

  test('an allowed extra directive passes (library example)', () => {
    expect(() => resolveCluster({ name: 'c', worker: { extraDirectives: ['xrootd.trace emsg login', 'ofs.trace open'] } })).not.toThrow();
  });
});

describe('one source of truth', () => {
  test('generated types and reference docs are in sync with the schema (npm run codegen)', () => {
    for (const [path, text] of Object.entries(generatedFiles())) {
      expect(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')).toBe(text);
    }
  });

  test('the OpenAPI schema carries the same rules and defaults', () => {
    const api = toOpenApi(xrootdSpecSchema) as any;
    const replicas = api.properties.worker.properties.replicas;
    expect(replicas).toMatchObject({ type: 'integer', minimum: 0, default: 2 });
    expect(api.properties.redirector.properties.replicas).toMatchObject({ minimum: 1, maximum: 16 });
    expect(api.properties.worker.properties.storage.properties.class['x-kubernetes-validations']).toEqual([{ rule: 'self == oldSelf', message: expect.stringMatching(/^cannot change: /) }]);
    expect(api.properties.worker.properties.storage.properties.capacity['x-kubernetes-validations']).toBeUndefined();
    const directive = api.properties.worker.properties.extraDirectives.items;
    // The same refusal as the library's, every spelling included.
    expect(directive['x-kubernetes-validations'][0].rule).toMatch(/^!self\.matches\('\^\(\(all\|xrd\|cms\|olb\|odc\)\\\\\.adminpath\|/);
    expect(directive.pattern).toBe(DIRECTIVE_LINE.regex);
    expect(api.properties.scheduling.properties.affinity['x-kubernetes-preserve-unknown-fields']).toBe(true);
  });
});

describe('patterns and lengths as the API server reads them', () => {
  test('re2(): `.` stops only at a newline, `\\s` is ASCII, matching is by code point', () => {
    expect(re2('^.$').test('\r')).toBe(true);
    expect(re2('^.$').test('\u2028')).toBe(true);
    expect(re2('^.$').test('\n')).toBe(false);
    expect(re2('^.$').test('😀')).toBe(true);
    expect(re2('^[^\\s]+$').test('a\u00a0b')).toBe(true);
    expect(re2('^\\S+$').test('a\u00a0b')).toBe(true);
    expect(re2('^[^\\s]+$').test('a\tb')).toBe(false);
    expect(re2('^[^\\s\\p{Z}\\p{Cc}\\p{Cf}]+$').test('a\u00a0b')).toBe(false);
    expect(re2('^[^\\s\\p{Z}\\p{Cc}\\p{Cf}]+$').test('a\ufeffb')).toBe(false);
    expect(re2('^\\x{263a}$').test('☺')).toBe(true);
    expect(re2('^[]a]+$').test(']a')).toBe(true);
  });

  test('lengths count code points, not UTF-16 units', () => {
    expect(characters('😀😀')).toBe(2);
    expect('😀😀'.length).toBe(4);
    expect(characters('é')).toBe(1);
  });
});

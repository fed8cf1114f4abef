import { insecureWritableExports, resolveCluster } from '../../constructs/index.js';
import { large, minimal, readOnly } from '../../examples/clusters.js';
import { linesOf, synth, type Manifest } from '../helpers/synth.js';
import { container, envOf } from '../helpers/cluster-fixtures.js';

describe('TLS (spec.security.tls)', () => {
  const secure = synth({ ...minimal, security: { tls: { secretName: 'minimal-tls' } } });
  const cfg = linesOf(secure.cluster.configFiles['xrootd.cfg']);

  test('xrd.tls, the CA and xrootd.tls all (the default) are read by xrootd only, from run.sh\'s copies', () => {
    const block = cfg.slice(cfg.indexOf('if exec xrootd', cfg.indexOf('# Protocols and services of xrootd')));
    expect(block.slice(0, 4)).toEqual(['if exec xrootd', 'xrd.tls $(xrdadmin)/tls/tls.crt $(xrdadmin)/tls/tls.key', 'xrd.tlsca certfile $(xrdadmin)/tls/ca.crt', 'xrootd.tls all']);
    expect(cfg.filter((l) => l.startsWith('xrd.tls') || l.startsWith('xrootd.tls'))).toHaveLength(3);
    const levels = { none: undefined, capable: 'xrootd.tls capable all', data: 'xrootd.tls data', all: 'xrootd.tls all' } as const;
    for (const [require, line] of Object.entries(levels)) {
      const lines = linesOf(synth({ ...minimal, security: { tls: { secretName: 's', require: require as keyof typeof levels } } }).cluster.configFiles['xrootd.cfg']);
      expect(lines.filter((l) => l.startsWith('xrootd.tls'))).toEqual(line ? [line] : []);
    }
    expect(linesOf(synth(minimal).cluster.configFiles['xrootd.cfg']).some((l) => l.includes('tls'))).toBe(false);
  });

  test('the Secret is mounted group-readable in the xrootd container only; run.sh copies the key to mode 600 and hashes the CA', () => {
    for (const role of ['redirector', 'worker']) {
      const pod = secure.get('StatefulSet', `minimal-${role}`).spec.template.spec;
      expect(pod.volumes.find((v: Manifest) => v.name === 'tls')).toEqual({ name: 'tls', secret: { secretName: 'minimal-tls', defaultMode: 0o440 } });
      expect(container(secure.get('StatefulSet', `minimal-${role}`), 'xrootd').volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/xrootd/tls', readOnly: true });
      expect(container(secure.get('StatefulSet', `minimal-${role}`), 'cmsd').volumeMounts.some((m: Manifest) => m.name === 'tls')).toBe(false);
      expect(envOf(container(secure.get('StatefulSet', `minimal-${role}`), 'xrootd')).XRD_TLS_DIR).toBe('/etc/xrootd/tls');
    }
    const run = secure.cluster.configFiles['run.sh'];
    expect(run).toContain('(umask 077 && cp "$XRD_TLS_DIR/tls.key" "$XRD_ADMIN_DIR/tls"/tls.key)');
    expect(run).toContain('hash=$(openssl x509 -hash -noout -in "$pem")');
    // The probe asks by the pod's own name, which the certificate holds, and verifies with run.sh's CA files.
    const probe = secure.cluster.configFiles['probe.sh'];
    expect(probe).toContain('export X509_CERT_DIR="$XRD_ADMIN_DIR/tls/cadir"');
    expect(probe).toContain('xrdfs "$XRD_HOST:$XRD_PORT" query config cms');
    expect(synth(minimal).cluster.configFiles['probe.sh']).toContain('xrdfs "localhost:$XRD_PORT" query config cms');
  });

  test('refused with the field named: a version whose catalog entry lacks TLS, a bad Secret name, an unknown level', () => {
    const noTls = { version: '5.9.1-notls', image: 'registry.example.org/xrootd:5.9.1', features: [] as never[] };
    expect(() => resolveCluster({ ...minimal, version: noTls.version, catalog: [noTls], security: { tls: { secretName: 's' } } }))
      .toThrow('security.tls needs TLS support, which version 5.9.1-notls lacks in the catalog (feature "tls")');
    expect(() => resolveCluster({ ...minimal, security: { tls: { secretName: 'Bad Name' } } })).toThrow(/security\.tls\.secretName must be a Secret name/);
    expect(() => resolveCluster({ ...minimal, security: { tls: { secretName: 's', require: 'sometimes' as never } } })).toThrow(/security\.tls\.require must be one of/);
    expect(() => resolveCluster({ ...minimal, security: { tls: {} as never } })).toThrow(/security\.tls\.secretName/);
  });

  test('a cert-manager Certificate writes the Secret, naming every pod (a wildcard per role), the client Service and the extra names', () => {
    const issued = synth({ ...large, security: { tls: { secretName: 'large-tls', certificate: { issuerRef: { name: 'site-ca' }, dnsNames: ['xrootd.example.org', '*.xrootd.example.org'], duration: '2160h' } } } });
    const cert = issued.get('Certificate', 'large-tls');
    expect(cert.apiVersion).toBe('cert-manager.io/v1');
    expect(cert.metadata.labels['xrootd.org/cluster']).toBe('large');
    expect(cert.spec).toEqual({
      secretName: 'large-tls',
      secretTemplate: { labels: { 'app.kubernetes.io/name': 'xrootd', 'app.kubernetes.io/instance': 'large' } },
      issuerRef: { name: 'site-ca', kind: 'Issuer', group: 'cert-manager.io' },
      dnsNames: ['*.large-redirector.xrootd.svc.cluster.local', '*.large-supervisor.xrootd.svc.cluster.local', '*.large-worker.xrootd.svc.cluster.local',
        'large.xrootd.svc.cluster.local', 'large.xrootd.svc', 'xrootd.example.org', '*.xrootd.example.org'],
      usages: ['server auth', 'client auth', 'digital signature', 'key encipherment'],
      duration: '2160h',
    });
    // Every per-pod host name is covered by a wildcard of one label.
    for (const sts of issued.all('StatefulSet')) {
      const host = `${sts.metadata.name}-0.${sts.spec.serviceName}.xrootd.svc.cluster.local`;
      expect(cert.spec.dnsNames.some((n: string) => n.startsWith('*.') && host.endsWith(n.slice(1)) && !host.slice(0, -n.length + 1).includes('.'))).toBe(true);
    }
    expect(secure.all('Certificate')).toEqual([]);
    const forGsi = synth({ ...minimal, security: { tls: { secretName: 't', certificate: { issuerRef: { name: 'ca' } } }, gsi: {} } });
    expect(forGsi.get('Certificate', 'minimal-tls').spec.privateKey).toEqual({ algorithm: 'RSA', size: 2048 });
  });

  test('refused with the field named: a bad issuer kind, a DNS name with a wildcard inside, a duration cert-manager cannot read', () => {
    const tls = (certificate: unknown) => ({ ...minimal, security: { tls: { secretName: 's', certificate: certificate as never } } });
    expect(() => resolveCluster(tls({ issuerRef: { name: 'ca', kind: 'Vault' } }))).toThrow(/security\.tls\.certificate\.issuerRef\.kind must be one of/);
    expect(() => resolveCluster(tls({ issuerRef: { name: 'ca' }, dnsNames: ['a.*.example.org'] }))).toThrow(/security\.tls\.certificate\.dnsNames\[0\] must be a lower-case DNS name, optionally starting with "\*\."/);
    expect(() => resolveCluster(tls({ issuerRef: { name: 'ca' }, duration: '90 days' }))).toThrow(/security\.tls\.certificate\.duration must be a duration such as 2160h/);
    expect(() => resolveCluster(tls({ dnsNames: [] }))).toThrow(/security\.tls\.certificate\.issuerRef/);
  });
});

describe('tokens (spec.security.tokens)', () => {
  const issuer = { name: 'wlcg', url: 'https://issuer.example.org/realm', basePaths: ['/data'] };
  const props = { ...minimal, xrootd: { http: true }, security: { tls: { secretName: 't' }, tokens: { audiences: ['https://xrootd.example.org'], issuers: [issuer] } } };

  test('the SciTokens plugin\'s file, ztn with unix for token-less logins, the plugin as authorizer, bearer tokens from HTTP', () => {
    const s = synth(props);
    expect(s.cluster.configFiles['scitokens.cfg']).toBe([
      '# SciTokens/WLCG token issuers of cluster minimal, rendered by xrootd-k8s.',
      '[Global]', 'audience = https://xrootd.example.org', 'onmissing = deny', '',
      '[Issuer wlcg]', 'issuer = https://issuer.example.org/realm', 'base_path = /data', '',
    ].join('\n'));
    const cfg = linesOf(s.cluster.configFiles['xrootd.cfg']);
    for (const line of ['set xrdconfigdir = $XRD_CONFIG_DIR', 'xrootd.seclib libXrdSec.so', 'sec.protocol ztn', 'sec.protocol unix', 'sec.protbind * ztn unix',
      'ofs.authorize 1', 'ofs.authlib libXrdAccSciTokens.so config=$(xrdconfigdir)/scitokens.cfg', 'http.header2cgi Authorization authz']) {
      expect(cfg).toContain(line);
    }
    // Redirects name https://: a token handed on in the URL never reaches a data server in clear text.
    expect(cfg).toContain('http.desthttps yes');
    expect(synth({ ...props, security: { ...props.security, tls: undefined, tokens: undefined } }).cluster.configFiles['xrootd.cfg']).not.toContain('desthttps');
    expect(s.cluster.configFiles['run.sh']).toContain('export XRD_CONFIG_DIR');
    expect(synth(minimal).cluster.configFiles['scitokens.cfg']).toBeUndefined();
  });

  test('audiences omitted: the redirectors\' outside names as endpoint URLs with the port, then the site name; none of those is a named refusal', () => {
    const audience = ({ tls, ...extra }: Record<string, unknown>) => {
      const p = { ...props, ...extra, security: { tls: { secretName: 't', ...(tls as object) }, tokens: { issuers: [issuer] } } };
      return linesOf(synth(p as never).cluster.configFiles['scitokens.cfg']).find((l) => l.startsWith('audience = '));
    };
    expect(audience({ site: 'T2_XK_Test' })).toBe('audience = T2_XK_Test');
    expect(audience({ site: 'T2_XK_Test', expose: { type: 'LoadBalancer', hostnameTemplate: '{pod}.xrootd.example.org' }, xrootd: { http: true, port: 1095 } }))
      .toBe('audience = https://minimal.xrootd.example.org:1095, roots://minimal.xrootd.example.org:1095, T2_XK_Test');
    expect(audience({ tls: { certificate: { issuerRef: { name: 'ca' }, dnsNames: ['*.pods.example.org', 'xrootd.example.org'] } } }))
      .toBe('audience = https://xrootd.example.org:1094, roots://xrootd.example.org:1094');
    // Given audiences are used as they are.
    expect(linesOf(synth({ ...props, site: 'T2_XK_Test' }).cluster.configFiles['scitokens.cfg'])).toContain('audience = https://xrootd.example.org');
    expect(() => resolveCluster({ ...props, security: { tls: { secretName: 't' }, tokens: { issuers: [issuer] } } }))
      .toThrow('security.tokens.audiences is required unless spec.site, expose.hostnameTemplate or a certificate dnsName that is not a wildcard gives the cluster a name to default them to');
    expect(() => resolveCluster({ ...props, security: { tls: { secretName: 't', certificate: { issuerRef: { name: 'ca' }, dnsNames: ['*.pods.example.org'] } }, tokens: { issuers: [issuer] } } }))
      .toThrow('security.tokens.audiences is required unless');
  });

  test('an issuer CA bundle is mounted over the image\'s system bundle in xrootd\'s container', () => {
    const s = synth({ ...props, security: { ...props.security, tokens: { ...props.security.tokens, issuerCaBundle: { configMapName: 'site-cas' } } } });
    const sts = s.get('StatefulSet', 'minimal-worker');
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'issuer-ca', configMap: { name: 'site-cas', defaultMode: 0o444 } });
    expect(container(sts, 'xrootd').volumeMounts).toContainEqual({ name: 'issuer-ca', mountPath: '/etc/ssl/certs/ca-certificates.crt', subPath: 'ca-certificates.crt', readOnly: true });
  });

  test('refused with the field named: no TLS, an http:// issuer, paths outside the exports, text that would break the INI file', () => {
    const tokens = props.security.tokens;
    expect(() => resolveCluster({ ...minimal, security: { tokens } })).toThrow('security.tokens needs tls: tokens are accepted only over TLS (ztn, https)');
    const tlsOnly = { version: '5.0.3-site', image: 'registry.example.org/xrootd:5.0.3', features: ['tls'] as never[] };
    expect(() => resolveCluster({ ...props, version: tlsOnly.version, catalog: [tlsOnly] }))
      .toThrow('security.tokens needs token support (SciTokens plugin, ztn), which version 5.0.3-site lacks in the catalog (feature "tokens")');
    expect(() => resolveCluster({ ...props, security: { ...props.security, tokens: { ...tokens, issuers: [{ ...issuer, url: 'http://issuer.example.org' }] } } }))
      .toThrow(/security\.tokens\.issuers\[0\]\.url must be an https:\/\/ URL/);
    expect(() => resolveCluster({ ...props, security: { ...props.security, tokens: { ...tokens, issuers: [{ ...issuer, basePaths: ['/elsewhere'] }] } } }))
      .toThrow('security.tokens.issuers[0].basePaths[0] must be an exported path or below one (/data), got "/elsewhere"');
    expect(() => resolveCluster({ ...props, security: { ...props.security, tokens: { ...tokens, issuers: [{ ...issuer, basePaths: ['/data/sub'], restrictedPaths: ['/store'] }] } } }))
      .toThrow(/security\.tokens\.issuers\[0\]\.restrictedPaths\[0\] must be an exported path/);
    for (const audience of ['a\n[Issuer evil]', 'a,b', 'a b', 'x=y', 'a#b']) {
      expect(() => resolveCluster({ ...props, security: { ...props.security, tokens: { ...tokens, audiences: [audience] } } })).toThrow(/security\.tokens\.audiences\[0\] must be an audience/);
    }
    expect(() => resolveCluster({ ...props, security: { ...props.security, tokens: { ...tokens, issuers: [{ ...issuer, name: 'x]\nissuer = https://evil' }] } } }))
      .toThrow(/security\.tokens\.issuers\[0\]\.name must be letters, digits/);
    expect(() => resolveCluster({ ...props, security: { ...props.security, tokens: { ...tokens, issuers: [{ ...issuer, url: 'https://a.example.org/x\nbase_path = /' }] } } }))
      .toThrow(/issuers\[0\]\.url must be an https/);
  });
});

describe('insecure writable exports', () => {
  test('writable exports without token authorization are reported; tokens or read-only exports clear it', () => {
    expect(insecureWritableExports(resolveCluster(readOnly).spec)).toEqual(['/scratch']);
    expect(insecureWritableExports(resolveCluster({ ...readOnly, xrootd: { exports: [{ path: '/store', readOnly: true }] } }).spec)).toEqual([]);
    const tokens = { audiences: ['a'], issuers: [{ name: 'i', url: 'https://i.example.org', basePaths: ['/store'] }] };
    expect(insecureWritableExports(resolveCluster({ ...readOnly, security: { tls: { secretName: 't' }, tokens } }).spec)).toEqual([]);
  });
});

describe('TLS Secret revision (the agent\'s digest of the Secret)', () => {
  test('stamped on every pod template when TLS is on, and refused when it is not a short lower-case token', () => {
    const stamped = synth({ ...minimal, security: { tls: { secretName: 't' } }, decisions: { tlsSecretRevision: 'abc123' } });
    for (const role of ['redirector', 'worker']) {
      expect(stamped.get('StatefulSet', `minimal-${role}`).spec.template.metadata.annotations['xrootd.org/tls-secret-revision']).toBe('abc123');
    }
    // Without TLS it means nothing and changes nothing.
    expect(synth({ ...minimal, decisions: { tlsSecretRevision: 'abc123' } }).objects).toEqual(synth(minimal).objects);
    expect(() => resolveCluster({ ...minimal, decisions: { tlsSecretRevision: 'A B\n' } })).toThrow(/decisions.tlsSecretRevision must be at most 63 lower-case letters and digits/);
  });
});

describe('authorization rules (spec.security.authorization)', () => {
  const rules = [{ path: '/data/public', privileges: ['read', 'list'] }, { path: '/data/drop', privileges: ['create'] }, { path: '/data/public', privileges: ['rename'] }] as const;
  const alone = synth({ ...minimal, security: { authorization: { rules: [...rules] as never } } });

  test('one line for anybody in XRootD\'s authorization database, rules on one path adding up; create brings read and write', () => {
    expect(alone.cluster.configFiles.authdb.split('\n').filter((l) => !l.startsWith('#'))).toEqual(['u * /data/public lrn /data/drop rwi', '']);
    const cfg = linesOf(alone.cluster.configFiles['xrootd.cfg']);
    expect(cfg).toEqual(expect.arrayContaining(['set xrdconfigdir = $XRD_CONFIG_DIR', 'ofs.authorize 1', 'acc.authdb $(xrdconfigdir)/authdb']));
    expect(cfg.some((l) => l.startsWith('sec.') || l.startsWith('ofs.authlib'))).toBe(false);
  });

  test('with tokens, a request without a valid token passes through to the rules', () => {
    const both = synth({ ...minimal, security: { tls: { secretName: 't' }, authorization: { rules: [...rules] as never },
      tokens: { audiences: ['a'], issuers: [{ name: 'i', url: 'https://i.example.org', basePaths: ['/data'] }] } } });
    expect(linesOf(both.cluster.configFiles['xrootd.cfg'])).toEqual(expect.arrayContaining(['ofs.authlib ++ libXrdAccSciTokens.so config=$(xrdconfigdir)/scitokens.cfg', 'acc.authdb $(xrdconfigdir)/authdb']));
    expect(both.cluster.configFiles['scitokens.cfg']).toContain('onmissing = passthrough');
  });

  test('refused with the field named: a path outside the exports, an unknown privilege; reported when anybody may change files', () => {
    expect(() => resolveCluster({ ...minimal, security: { authorization: { rules: [{ path: '/elsewhere', privileges: ['read'] }] } } }))
      .toThrow('security.authorization.rules[0].path must be an exported path or below one (/data), got "/elsewhere"');
    expect(() => resolveCluster({ ...minimal, security: { authorization: { rules: [{ path: '/data', privileges: ['chown' as never] }] } } }))
      .toThrow(/security\.authorization\.rules\[0\]\.privileges\[0\] must be one of/);
    expect(insecureWritableExports(alone.cluster.model.spec)).toEqual(['/data/drop', '/data/public']);
    expect(insecureWritableExports(synth({ ...minimal, security: { authorization: { rules: [{ path: '/data', privileges: ['read', 'list'] }] } } }).cluster.model.spec)).toEqual([]);
  });
});

describe('GSI (spec.security.gsi) and rules for users', () => {
  const ALICE = '/DC=org/DC=example/OU=people/CN=Alice Example';
  const gsi = { users: [{ dn: ALICE, name: 'alice' }, { dn: '/DC=org/DC=example/CN=host/robot.example.org', name: 'robot' }] };
  const rules = [
    { path: '/data', privileges: ['read', 'list'] },
    { who: 'user', name: 'alice', path: '/data/alice', privileges: ['create', 'delete'] },
    { who: 'user', name: 'robot', path: '/data/robot', privileges: ['write'] },
    { who: 'user', name: 'alice', path: '/data/shared', privileges: ['write'] },
  ];
  const secure = synth({ ...minimal, security: { tls: { secretName: 't' }, gsi, authorization: { rules: rules as never } } });

  test('sec.protocol gsi with the host certificate\'s copies, the CA directory and the grid-mapfile; no unix login', () => {
    const cfg = linesOf(secure.cluster.configFiles['xrootd.cfg']);
    expect(cfg).toEqual(expect.arrayContaining([
      'xrootd.seclib libXrdSec.so',
      'sec.protocol gsi -certdir:$(xrdadmin)/tls/cadir -cert:$(xrdadmin)/tls/tls.crt -key:$(xrdadmin)/tls/tls.key -ca:2 -crl:1 -gridmap:$(xrdconfigdir)/grid-mapfile -gmapopt:1',
      'sec.protbind * gsi', 'ofs.authorize 1', 'acc.authdb $(xrdconfigdir)/authdb',
    ]));
    expect(cfg.some((l) => l.includes('unix'))).toBe(false);
    expect(secure.cluster.configFiles['grid-mapfile']).toBe('# Certificate subjects and their user names of cluster minimal, rendered by xrootd-k8s.\n'
      + `"${ALICE}" alice\n"/DC=org/DC=example/CN=host/robot.example.org" robot\n`);
    // With tokens too: both offered, still no unix.
    const both = synth({ ...minimal, security: { tls: { secretName: 't' }, gsi: {}, tokens: { audiences: ['a'], issuers: [{ name: 'i', url: 'https://i.example.org', basePaths: ['/data'] }] } } });
    const bothCfg = linesOf(both.cluster.configFiles['xrootd.cfg']);
    expect(bothCfg).toEqual(expect.arrayContaining(['sec.protocol ztn', 'sec.protbind * ztn gsi']));
    expect(bothCfg.find((l) => l.startsWith('sec.protocol gsi'))).toContain('-gmapopt:0');
    expect(bothCfg.some((l) => l.includes('unix'))).toBe(false);
    expect(both.cluster.configFiles['grid-mapfile']).toBeUndefined();
  });

  test('third-party copy runs as the client: gsi asks for a delegated proxy, ofs.tpc hands it to xrdcp', () => {
    const tpc = linesOf(synth({ ...minimal, xrootd: { thirdPartyCopy: true }, security: { tls: { secretName: 't', require: 'none' }, gsi } }).cluster.configFiles['xrootd.cfg']);
    expect(tpc.find((l) => l.startsWith('sec.protocol gsi'))).toMatch(/ -dlgpxy:request -exppxy:=creds$/);
    expect(tpc).toContain('ofs.tpc fcreds ?gsi =X509_USER_PROXY pgm /usr/bin/xrdcp --server');
    expect(linesOf(secure.cluster.configFiles['xrootd.cfg']).find((l) => l.startsWith('sec.protocol gsi'))).not.toContain('dlgpxy');
  });

  test('one authdb line per identity: anybody first, then each user with its paths adding up', () => {
    expect(secure.cluster.configFiles.authdb.split('\n').filter((l) => !l.startsWith('#'))).toEqual(['u * /data lr', 'u alice /data/alice rwid /data/shared rw', 'u robot /data/robot rw', '']);
  });

  test('a CA directory from spec.mounts, the CRL level, an RSA key checked by run.sh, the probe logging in with the host certificate', () => {
    const mounted = synth({ ...minimal, mounts: [{ name: 'grid-ca', mountPath: '/etc/grid-security/certificates', configMapName: 'igtf' }],
      security: { tls: { secretName: 't' }, gsi: { caDirectory: '/etc/grid-security/certificates', crl: 'require' } } });
    expect(linesOf(mounted.cluster.configFiles['xrootd.cfg']).find((l) => l.startsWith('sec.protocol gsi'))).toMatch(/^sec\.protocol gsi -certdir:\/etc\/grid-security\/certificates .* -crl:2 -gmapopt:0$/);
    expect(mounted.cluster.configFiles['run.sh']).toContain('openssl rsa -in "$XRD_ADMIN_DIR/tls"/tls.key -noout 2>/dev/null || { echo "run.sh: security.gsi needs an RSA key');
    const probe = secure.cluster.configFiles['probe.sh'];
    expect(probe).toContain('export X509_USER_CERT="$XRD_ADMIN_DIR/tls/tls.crt" X509_USER_KEY="$XRD_ADMIN_DIR/tls/tls.key" XrdSecGSICREATEPROXY=0');
    expect(probe).toContain('unset X509_USER_PROXY');
    expect(synth(minimal).cluster.configFiles['run.sh']).not.toContain('openssl rsa');
  });

  test('refused with the field named: GSI without TLS, a rule for a user GSI does not map, a name without who: user, a DN that could break the grid-mapfile, a CA directory not mounted', () => {
    const tls = { secretName: 't' };
    expect(() => resolveCluster({ ...minimal, security: { gsi } })).toThrow('security.gsi needs tls: the daemons present the TLS Secret\'s certificate');
    expect(() => resolveCluster({ ...minimal, security: { tls, gsi, authorization: { rules: [{ who: 'user', name: 'carol', path: '/data', privileges: ['read'] }] } } }))
      .toThrow('security.authorization.rules may name only users of gsi.users (who: user)');
    expect(() => resolveCluster({ ...minimal, security: { tls, authorization: { rules: [{ who: 'user', name: 'alice', path: '/data', privileges: ['read'] }] } } }))
      .toThrow('security.authorization.rules may name only users of gsi.users (who: user)');
    expect(() => resolveCluster({ ...minimal, security: { tls, gsi, authorization: { rules: [{ name: 'alice', path: '/data', privileges: ['read'] }] } } }))
      .toThrow('security.authorization.rules[0].name is set exactly when who is user');
    expect(() => resolveCluster({ ...minimal, security: { tls, gsi, authorization: { rules: [{ who: 'user', path: '/data', privileges: ['read'] }] } } }))
      .toThrow('security.authorization.rules[0].name is set exactly when who is user');
    for (const dn of ['/CN=Eve" eve\n"/CN=x', 'CN=no slash', '/CN=back\\slash']) {
      expect(() => resolveCluster({ ...minimal, security: { tls, gsi: { users: [{ dn, name: 'eve' }] } } })).toThrow(/security\.gsi\.users\[0\]\.dn must be a distinguished name/);
    }
    expect(() => resolveCluster({ ...minimal, security: { tls, gsi: { users: [{ dn: ALICE, name: 'a.b' }] } } })).toThrow(/security\.gsi\.users\[0\]\.name must be a user name/);
    expect(() => resolveCluster({ ...minimal, security: { tls, gsi: { caDirectory: '/etc/grid-security/certificates' } } })).toThrow('security.gsi.caDirectory must be the mountPath of one of mounts');
  });
});

describe('VOMS (spec.security.gsi.voms) and rules by VO, group and role', () => {
  const tls = { secretName: 't' };
  const server = { host: 'voms.cern.ch', subject: '/DC=ch/DC=cern/OU=computers/CN=voms.cern.ch', issuer: '/DC=ch/DC=cern/CN=CERN Grid Certification Authority' };
  const voms = { vos: [{ name: 'cms', servers: [server, { ...server, host: 'lcg-voms2.cern.ch' }] }, { name: 'dteam', servers: [{ ...server, host: 'voms.hellasgrid.gr' }] }] };
  const rules = [
    { path: '/data', privileges: ['read', 'list'] },
    { who: 'vo', vo: 'cms', group: '/cms/uscms', path: '/data/uscms', privileges: ['create'] },
    { who: 'vo', vo: 'cms', group: '/cms/uscms', role: 'production', path: '/data/production', privileges: ['create', 'delete'] },
    { who: 'vo', vo: 'dteam', path: '/data/dteam', privileges: ['write'] },
    { who: 'vo', vo: 'cms', group: '/cms/uscms', path: '/data/shared', privileges: ['write'] },
  ];
  const security = { tls, gsi: { voms }, authorization: { rules: rules as never } };
  const cluster = synth({ ...minimal, xrootd: { http: true }, security }).cluster;
  const cfg = linesOf(cluster.configFiles['xrootd.cfg']);

  test('the VOMS plugin for GSI logins (named, as 5.5 needs) and for HTTPS, reading only the listed VOs', () => {
    expect(cfg.find((l) => l.startsWith('sec.protocol gsi'))).toMatch(/ -vomsfun:libXrdVoms\.so -vomsat:extract -vomsfunparms:vos=cms,dteam$/);
    expect(cfg).toContain('http.secxtractor libXrdVoms.so vos=cms,dteam');
    const requiring = linesOf(synth({ ...minimal, xrootd: { http: true }, security: { tls, gsi: { voms: { ...voms, require: true } } } }).cluster.configFiles['xrootd.cfg']);
    expect(requiring.find((l) => l.startsWith('sec.protocol gsi'))).toContain(' -vomsat:require ');
    expect(requiring).toContain('http.secxtractor required libXrdVoms.so vos=cms,dteam');
    expect(linesOf(synth({ ...minimal, security: { tls, gsi: { voms } } }).cluster.configFiles['xrootd.cfg']).some((l) => l.startsWith('http.secxtractor'))).toBe(false);
  });

  test('compound identities per VO, group and role, granted with inclusive lines so that privileges add up with anybody\'s', () => {
    expect(cluster.configFiles.authdb.split('\n').filter((l) => !l.startsWith('#'))).toEqual([
      '= vo1 o: cms g: /cms/uscms',
      '= vo2 o: cms g: /cms/uscms r: production',
      '= vo3 o: dteam',
      'u * /data lr',
      's vo1 /data/uscms rwi /data/shared rw',
      's vo2 /data/production rwid',
      's vo3 /data/dteam rw',
      '',
    ]);
  });

  test('the listed servers\' .lsc files (subject, then issuer) laid out by run.sh as the vomsdir the plugin reads; a mounted vomsdir instead', () => {
    expect(cluster.configFiles['voms-servers']).toBe('voms-0.lsc cms/voms.cern.ch.lsc\nvoms-1.lsc cms/lcg-voms2.cern.ch.lsc\nvoms-2.lsc dteam/voms.hellasgrid.gr.lsc\n');
    expect(cluster.configFiles['voms-2.lsc']).toBe(`${server.subject}\n${server.issuer}\n`);
    const run = cluster.configFiles['run.sh'];
    expect(run).toContain('< "$XRD_CONFIG_DIR/voms-servers"');
    expect(run).toContain('export X509_VOMS_DIR="$vomsdir"');
    const mounted = synth({
      ...minimal, mounts: [{ name: 'vomsdir', configMapName: 'wlcg-vomsdir', mountPath: '/etc/grid-security/vomsdir' }, { name: 'igtf', secretName: 'igtf', mountPath: '/etc/grid-security/certificates' }],
      security: { tls, gsi: { caDirectory: '/etc/grid-security/certificates', voms: { directory: '/etc/grid-security/vomsdir', vos: [{ name: 'atlas' }] } } },
    }).cluster;
    expect(Object.keys(mounted.configFiles).filter((k) => k.startsWith('voms'))).toEqual([]);
    expect(mounted.configFiles['run.sh']).toContain("  export X509_VOMS_DIR='/etc/grid-security/vomsdir'\n  export X509_CERT_DIR='/etc/grid-security/certificates'\n");
  });

  test('refused with the field named: a rule for a VO not listed, a group outside its VO, a role or group without who: vo, a VO without servers or directory, names that could break the files', () => {
    const withRules = (r: unknown[], v: unknown = voms) => () => resolveCluster({
      ...minimal, security: { tls, gsi: { voms: v as never }, ...(r.length ? { authorization: { rules: r as never } } : {}) },
    });
    expect(withRules([{ who: 'vo', vo: 'atlas', path: '/data', privileges: ['read'] }])).toThrow('security.authorization.rules may name only VOs of gsi.voms.vos (who: vo)');
    expect(withRules([{ who: 'vo', vo: 'cms', group: '/atlas/x', path: '/data', privileges: ['read'] }])).toThrow('security.authorization.rules[0].group needs who vo, and must be the VO\'s group or one below it (/<vo> or /<vo>/...)');
    expect(withRules([{ who: 'vo', vo: 'cms', group: '/cmsx', path: '/data', privileges: ['read'] }])).toThrow('rules[0].group needs who vo');
    expect(withRules([{ role: 'production', path: '/data', privileges: ['read'] }])).toThrow('security.authorization.rules[0].role needs who vo');
    expect(withRules([{ who: 'vo', path: '/data', privileges: ['read'] }])).toThrow('security.authorization.rules[0].vo is set exactly when who is vo');
    expect(withRules([], { vos: [{ name: 'cms' }] })).toThrow('security.gsi.voms.vos every VO needs servers unless directory is set');
    expect(withRules([], { directory: '/etc/grid-security/vomsdir', vos: [{ name: 'cms' }] })).toThrow('security.gsi.voms.directory must be the mountPath of one of mounts');
    for (const group of ['/cms/us cms', '/cms/\n= x o: cms', '/cms/..', 'cms']) {
      expect(withRules([{ who: 'vo', vo: 'cms', group, path: '/data', privileges: ['read'] }])).toThrow(/security\.authorization\.rules\[0\]\.group must be a VOMS group/);
    }
    expect(withRules([{ who: 'vo', vo: 'cms', role: 'prod r: x', path: '/data', privileges: ['read'] }])).toThrow(/rules\[0\]\.role must be a VOMS role/);
    expect(withRules([], { vos: [{ name: 'cms', servers: [{ ...server, subject: '/CN=a\n/CN=b' }] }] })).toThrow(/security\.gsi\.voms\.vos\[0\]\.servers\[0\]\.subject must be a distinguished name/);
    expect(withRules([], { vos: [{ name: '../etc', servers: [server] }] })).toThrow(/security\.gsi\.voms\.vos\[0\]\.name must be a VO name/);
    expect(withRules([], { vos: [{ name: 'cms', servers: [{ ...server, host: 'a/b' }] }] })).toThrow(/servers\[0\]\.host must be a DNS name/);
  });
});

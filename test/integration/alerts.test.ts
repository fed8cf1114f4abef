/**
 * The alerts of a monitored cluster, evaluated by Prometheus' own rule engine (`promtool test
 * rules`, built from its Go module by test/tools/build.sh) over series taken from a scrape of the
 * real collector fed XRootD's reports (test/fixtures/xrd-report): quiet on the healthy cluster,
 * and each alert firing, with this cluster's labels and its runbook, when its condition is made.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ALERTS, alertRules, type AlertRule } from '../../constructs/alerts.js';
import { resolveCluster } from '../../constructs/index.js';
import { Collector } from '../../src/collector/collector.js';
import { gitopsTools } from '../helpers/gitops-tools.js';
import { run } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';
import { synth } from '../helpers/synth.js';

const props = { name: 'physics', namespace: 'xrootd', version: '5.8.1', worker: { replicas: 2 }, monitoring: { enabled: true, prometheusOperator: true } } as const;
const model = resolveCluster(props);
const dir = mkdtempSync(join(tmpdir(), 'alerts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Series { readonly name: string; readonly labels: Record<string, string>; readonly value: number; readonly counter: boolean }

/** What the real collector serves for a healthy physics cluster: a redirector listing both data servers. */
async function healthyScrape(): Promise<Series[]> {
  const fixture = (n: string) => readFileSync(join(repoRoot(), 'test/fixtures/xrd-report', `${n}.xml`), 'utf8');
  const fqdn = (pod: string) => `${pod}.${pod.replace(/-\d+$/, '')}.xrootd.svc.cluster.local`;
  const as = (packet: string, pod: string) => packet.replace(/src="vm:/, `src="${fqdn(pod)}:`);
  const collector = new Collector({ cluster: 'physics', namespace: 'xrootd', udpPort: 0, httpPort: 0, staleSeconds: 60 });
  const manager = fixture('redirector-cmsd').replace(/<host>vm<\/host>/, `<host>${fqdn('physics-worker-0')}</host>`).replace(/<host>vm<\/host>/, `<host>${fqdn('physics-worker-1')}</host>`);
  for (const [packet, pod] of [[fixture('redirector-xrootd'), 'physics-redirector-0'], [manager, 'physics-redirector-0'],
    [fixture('worker-xrootd'), 'physics-worker-0'], [fixture('worker-cmsd'), 'physics-worker-0'], [fixture('worker-xrootd-2'), 'physics-worker-1'], [fixture('worker-cmsd'), 'physics-worker-1']]) {
    expect(collector.receive(as(packet, pod))).toBe('accepted');
  }
  const text = collector.metricsText();
  const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
  return text.split('\n').filter((l) => l.startsWith('xrootd_') && !l.startsWith('xrootd_collector_')).map((l) => {
    const m = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(l)!;
    const labels = Object.fromEntries([...m[2].matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    return { name: m[1], labels, value: Number(m[3]), counter: types.get(m[1]) === 'counter' };
  });
}

const selector = (s: Pick<Series, 'name' | 'labels'>) => `${s.name}{${Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
/** 30 minutes of a series: flat, or a counter growing by `perMinute`. */
const input = (s: Series, perMinute = 0) => ({ series: selector(s), values: s.counter || perMinute ? `${s.value}+${perMinute}x30` : `${s.value}x30` });

test('the rules pass promtool check rules', () => {
  const rules = synth(props).get('PrometheusRule', 'physics');
  const file = join(dir, 'rules.yaml');
  writeFileSync(file, stringify({ groups: rules.spec.groups }));
  const r = run([join(gitopsTools(), 'promtool'), 'check', 'rules', file]);
  expect(r).toMatchObject({ code: 0 });
  expect(r.out).toContain(`SUCCESS: ${alertRules(model).length} rules found`);
});

test('Prometheus\' rule engine: quiet on the healthy cluster\'s scrape, and each alert fires on its condition with the cluster\'s labels and runbook', async () => {
  const healthy = await healthyScrape();
  expect(healthy.length).toBeGreaterThan(50);
  const rules = alertRules(model);
  const rule = (name: string): AlertRule => rules.find((r) => r.alert === name)!;
  const find = (name: string, labels: Record<string, string>) =>
    healthy.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))!;
  const without = (drop: (s: Series) => boolean) => healthy.filter((s) => !drop(s)).map((s) => input(s));
  const replaced = (target: Series, value: number, perMinute = 0) =>
    healthy.map((s) => (s === target ? input({ ...s, value }, perMinute) : input(s)));
  const startOf = (pod: string) => (s: Series) => s.name === 'xrootd_start_time_seconds' && s.labels.pod === pod && s.labels.daemon === 'xrootd';
  const firing = (name: string, labels: Record<string, string>) =>
    [{ exp_labels: { ...rule(name).labels, ...labels }, exp_annotations: rule(name).annotations }];
  const cluster = { cluster: 'physics', namespace: 'xrootd' };
  const seriesLabels = (s: Series) => s.labels;

  const cases: { what: string; series: { series: string; values: string }[]; fires: Record<string, unknown[]> }[] = [
    { what: 'healthy', series: healthy.map((s) => input(s)), fires: {} },
    { what: 'the redirector gone', series: without((s) => s.labels.pod === 'physics-redirector-0'), fires: {
      XrootdRedirectorDown: firing('XrootdRedirectorDown', { ...cluster, role: 'redirector', daemon: 'xrootd' }),
      // A data server's reports alone do not make the cluster below replicas for data servers.
    } },
    { what: 'a data server not subscribed', series: replaced(find('xrootd_cms_subscribed_servers', { pod: 'physics-redirector-0' }), 1), fires: {
      XrootdServerNotSubscribed: firing('XrootdServerNotSubscribed', seriesLabels(find('xrootd_cms_subscribed_servers', { pod: 'physics-redirector-0' }))),
    } },
    { what: 'a data server not reporting', series: without(startOf('physics-worker-1')), fires: {
      XrootdRoleBelowReplicas: firing('XrootdRoleBelowReplicas', { role: 'worker' }),
    } },
    { what: 'a data server\'s space below the minimum', series: replaced(find('xrootd_space_free_bytes', { pod: 'physics-worker-0' }), 1024), fires: {
      XrootdSpaceLow: firing('XrootdSpaceLow', seriesLabels(find('xrootd_space_free_bytes', { pod: 'physics-worker-0' }))),
    } },
    { what: 'every request of a data server failing', series: healthy.map((s) => (s.labels.pod === 'physics-worker-0' && s.labels.daemon === 'xrootd'
      && (s.name === 'xrootd_errors_total' || (s.name === 'xrootd_operations_total' && s.labels.operation === 'open')) ? input(s, 60) : input(s))), fires: {
      XrootdErrorRate: firing('XrootdErrorRate', { pod: 'physics-worker-0' }),
    } },
    { what: 'logins failing', series: replaced(find('xrootd_authentication_failures_total', { pod: 'physics-redirector-0' }), 0, 120), fires: {
      XrootdAuthenticationFailures: firing('XrootdAuthenticationFailures', { pod: 'physics-redirector-0' }),
    } },
    { what: 'the rollout stuck', series: [...healthy.map((s) => input(s)), { series: 'xrootd_agent_rollout_stuck{cluster="physics",namespace="xrootd"}', values: '1x30' }], fires: {
      XrootdRolloutStuck: firing('XrootdRolloutStuck', cluster),
    } },
  ];
  const rulesFile = join(dir, 'rules.yaml');
  writeFileSync(rulesFile, stringify({ groups: [{ name: 'xrootd-physics', rules: rules.map((r) => ({ ...r })) }] }));
  // Every alert in every case: the one made to fire fires, every other stays quiet.
  const tests = cases.map((c) => ({
    name: c.what, interval: '1m', input_series: c.series,
    alert_rule_test: rules.map((a) => ({ eval_time: '25m', alertname: a.alert, exp_alerts: c.fires[a.alert] ?? [] })),
  }));
  expect(Object.keys(Object.assign({}, ...cases.map((c) => c.fires))).sort()).toEqual(rules.map((a) => a.alert).sort());
  const testFile = join(dir, 'tests.yaml');
  writeFileSync(testFile, stringify({ rule_files: [rulesFile], evaluation_interval: '1m', tests }));
  const r = run([join(gitopsTools(), 'promtool'), 'test', 'rules', testFile], process.env, 120_000);
  expect({ code: r.code, out: r.code === 0 ? 'SUCCESS' : r.out }).toEqual({ code: 0, out: 'SUCCESS' });
});

test('a cache cluster\'s alerts, by Prometheus\' rule engine over the real collector fed a cache server\'s packets: quiet when healthy, each firing on its condition', async () => {
  const cacheProps = { ...props, name: 'edge', cache: { origin: { address: 'origin:1094' }, diskUsage: { highPercent: 90, lowPercent: 80 } } } as const;
  const cacheModel = resolveCluster(cacheProps);
  const fixture = (n: string) => readFileSync(join(repoRoot(), 'test/fixtures/xrd-report', n), 'utf8');
  const pod = 'edge-worker-0';
  const fqdn = `${pod}.edge-worker.xrootd.svc.cluster.local`;
  const collector = new Collector({ cluster: 'edge', namespace: 'xrootd', udpPort: 0, httpPort: 0, staleSeconds: 60 });
  const manager = fixture('redirector-cmsd.xml').replace(/src="vm:/, 'src="edge-redirector-0.edge-redirector.xrootd.svc.cluster.local:').replace(/<host>vm<\/host>/, `<host>${fqdn}</host>`);
  for (const packet of [fixture('redirector-xrootd.xml').replace(/src="vm:/, 'src="edge-redirector-0.edge-redirector.xrootd.svc.cluster.local:'), manager,
    fixture('cache-worker-xrootd.xml').replace(/src="vm:/, `src="${fqdn}:`), fixture('worker-cmsd.xml').replace(/src="vm:/, `src="${fqdn}:`),
    fixture('cache-gstream-5.8.1.json').replace('"host":"vm"', `"host":"${fqdn}"`),
    JSON.stringify({ code: 'xrootd-k8s.cache-disks', host: pod, ins: 'worker', tod: 1796548500, disks: [{ disk: 0, kib: 1000, usedKib: 500 }] })]) {
    expect(collector.receive(packet, '10.0.0.5')).toBe('accepted');
  }
  const text = collector.metricsText();
  const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
  const scrape: Series[] = text.split('\n').filter((l) => l.startsWith('xrootd_') && !l.startsWith('xrootd_collector_')).map((l) => {
    const m = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(l)!;
    return { name: m[1], labels: Object.fromEntries([...m[2].matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]])), value: Number(m[3]), counter: types.get(m[1]) === 'counter' };
  });
  for (const name of ['xrootd_cache_fetched_bytes_total', 'xrootd_cache_origin_opens_total', 'xrootd_cache_disk_used_bytes', 'xrootd_sent_bytes_total']) {
    expect(scrape.some((s) => s.name === name && s.labels.pod === pod)).toBe(true);
  }
  // A day and an hour of minutes: the hit ratio's alert compares the last hour with the last day.
  const minutes = 1500;
  const flat = (s: Series) => ({ series: selector(s), values: s.counter ? `${s.value}+0x${minutes}` : `${s.value}x${minutes}` });
  const is = (s: Series, name: string) => s.name === name && s.labels.pod === pod;
  const withSeries = (values: Record<string, string>) => scrape.map((s) => {
    const name = Object.keys(values).find((n) => is(s, n));
    return name ? { series: selector(s), values: values[name] } : flat(s);
  });
  const traffic = { xrootd_sent_bytes_total: `0+1000x${minutes}`, xrootd_cache_fetched_bytes_total: `0+100x${minutes}` };
  const rules = alertRules(cacheModel);
  const rule = (name: string): AlertRule => rules.find((r) => r.alert === name)!;
  const firing = (name: string, labels: Record<string, string>) =>
    [{ exp_labels: { ...rule(name).labels, ...labels }, exp_annotations: rule(name).annotations }];
  const diskLabels = scrape.find((s) => is(s, 'xrootd_cache_disk_used_bytes'))!.labels;
  const cases: { what: string; series: { series: string; values: string }[]; fires: Record<string, unknown[]> }[] = [
    { what: 'healthy, with steady traffic', series: withSeries(traffic), fires: {} },
    { what: 'a data disk staying above highPercent', series: withSeries({ ...traffic, xrootd_cache_disk_used_bytes: `${0.95 * 1024000}x${minutes}` }), fires: {
      XrootdCacheDiskAboveHighWatermark: firing('XrootdCacheDiskAboveHighWatermark', diskLabels),
    } },
    { what: 'every open at the origin failing', series: withSeries({ ...traffic, xrootd_cache_origin_opens_total: `0+10x${minutes}`, xrootd_cache_origin_open_errors_total: `0+10x${minutes}` }), fires: {
      XrootdCacheOriginUnreachable: firing('XrootdCacheOriginUnreachable', { pod }),
    } },
    { what: 'the last hour fetching all it sends, the day before a tenth', series: withSeries({ ...traffic, xrootd_cache_fetched_bytes_total: `0+100x1380 138000+1000x120` }), fires: {
      XrootdCacheHitRatioCollapsing: firing('XrootdCacheHitRatioCollapsing', {}),
    } },
  ];
  const rulesFile = join(dir, 'cache-rules.yaml');
  writeFileSync(rulesFile, stringify({ groups: [{ name: 'xrootd-edge', rules: rules.map((r) => ({ ...r })) }] }));
  const cacheAlerts = rules.filter((r) => r.alert.startsWith('XrootdCache'));
  expect(Object.keys(Object.assign({}, ...cases.map((c) => c.fires))).sort()).toEqual(cacheAlerts.map((a) => a.alert).sort());
  const tests = cases.map((c) => ({
    name: c.what, interval: '1m', input_series: c.series,
    alert_rule_test: cacheAlerts.map((a) => ({ eval_time: `${minutes - 1}m`, alertname: a.alert, exp_alerts: c.fires[a.alert] ?? [] })),
  }));
  const testFile = join(dir, 'cache-tests.yaml');
  writeFileSync(testFile, stringify({ rule_files: [rulesFile], evaluation_interval: '1m', tests }));
  const r = run([join(gitopsTools(), 'promtool'), 'test', 'rules', testFile], process.env, 300_000);
  expect({ code: r.code, out: r.code === 0 ? 'SUCCESS' : r.out }).toEqual({ code: 0, out: 'SUCCESS' });
  // Every alert of the library is in one of the two clusters' tests.
  const tested = [...alertRules(model), ...cacheAlerts].map((r) => r.alert);
  expect(ALERTS.every((a) => tested.includes(a.alert))).toBe(true);
}, 300_000);

test('the Grafana dashboard passes Grafana\'s own dashboard schema, strictly (its Foundation SDK\'s types): a misspelled field or a wrong type is refused', () => {
  const cm = synth({ ...props, monitoring: { ...props.monitoring, grafanaDashboard: true } }).get('ConfigMap', 'physics-dashboard');
  const [json] = Object.values(cm.data as Record<string, string>);
  const valid = join(dir, 'dashboard.json');
  writeFileSync(valid, json);
  const dashboard = JSON.parse(json);
  const check = (file: string) => run([join(gitopsTools(), 'grafana-dashboard'), file]);
  expect(check(valid)).toEqual({ code: 0, out: `${valid}: valid (${dashboard.panels.length} panels)\n` });
  // The checker can fail: the same dashboard with a misspelled panel field, and with a width as text.
  const typo = join(dir, 'typo.json');
  const typoPanels = dashboard.panels.map((p: any, i: number) => (i === 1 ? { ...p, titel: p.title } : p));
  writeFileSync(typo, JSON.stringify({ ...dashboard, panels: typoPanels }));
  expect(check(typo)).toMatchObject({ code: 1, out: expect.stringContaining('panels[1].Panel: unexpected field \'titel\'') });
  const type = join(dir, 'type.json');
  writeFileSync(type, JSON.stringify({ ...dashboard, panels: dashboard.panels.map((p: any, i: number) => (i === 1 ? { ...p, gridPos: { ...p.gridPos, w: '12' } } : p)) }));
  expect(check(type)).toMatchObject({ code: 1, out: expect.stringContaining('panels[1].gridPos.w: json: cannot unmarshal string') });
});

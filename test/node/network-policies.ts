/**
 * The generated NetworkPolicies under enforcement (kube-network-policies on the real node):
 * for each policy, the flows it must allow are shown working and the flows it must refuse are
 * shown refused, from pods in their own network namespaces. A site cluster that admits only
 * labelled readers, federated across namespaces to a meta-manager; a look-alike of its pods in
 * another namespace, a pod of another cluster and an unlabelled pod try its ports. Registered by
 * the real-node suite (one node per machine) after its own tests. Writes the table of flows to
 * build/test-report/network-policies.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { COLLECTOR_HTTP_PORT, COLLECTOR_REPORT_PORT } from '../../constructs/monitoring.js';
import { createNamespace, xrootdReady } from '../helpers/control-plane.js';
import { runAsync, waitFor } from '../helpers/processes.js';
import type { RealNode } from '../helpers/real-node.js';
import { repoRoot } from '../helpers/repo.js';

const SITE = 'site';
const FED = 'fed';
const ELSEWHERE = 'elsewhere';
const READER_LABEL = { 'xrootd.test/role': 'reader' };
const XROOTD_PORT = 1094;
const CMSD_PORT = 1213;
/** Requests small enough for the node's 2 cores to hold every scenario's clusters (XRootD idles here). */
export const SMALL = { resources: { requests: { cpu: '50m', memory: '128Mi' } } };

interface Flow { from: string; to: string; port: string; expected: 'allowed' | 'refused'; observed?: string; why: string }

export function networkPolicyScenarios(nodeOf: () => RealNode, xrootdImage: () => string): void {
  describe('NetworkPolicies enforced by kube-network-policies', () => {
    const flows: Flow[] = [];
    const node = () => nodeOf();
    const kubectl = (args: string[], timeoutMs?: number) => node().cp.kubectl(args, { timeoutMs });
    const inPod = (ns: string, pod: string, script: string, timeoutMs = 120000) => kubectl(['exec', '-n', ns, pod, '--', 'bash', '-c', script], timeoutMs);
    const rolePod = (ns: string, cluster: string, component: string): any => node().cp.getJson(['pods', '-n', ns, '-l', `xrootd.org/cluster=${cluster},app.kubernetes.io/component=${component}`]).items[0];
    const xrootd = (ns: string, name: string, spec: Record<string, unknown>) => node().cp.applyYaml(stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name, namespace: ns }, spec }));

    /** A pod that only sleeps, in the XRootD image (bash, xrdcp), with the given labels. */
    const probePod = (ns: string, name: string, labels: Record<string, string>) => node().cp.applyYaml(stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: 10940, seccompProfile: { type: 'RuntimeDefault' } },
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'probe', image: xrootdImage(), command: ['sleep', 'infinity'], securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      },
    }));

    /** A TCP connection from a pod: `connected`, `timed out` (the policy agent dropped the SYN) or `reset`. */
    const connect = async (ns: string, pod: string, ip: string, port: number): Promise<string> => {
      const r = await runAsync([join(node().cp.bin, 'kubectl'), `--kubeconfig=${node().cp.kubeconfig}`, 'exec', '-n', ns, pod, '--', 'bash', '-c',
        `timeout 4 bash -c 'exec 3<>/dev/tcp/${ip}/${port}'; echo "exit=$?"`], process.env, 60000);
      const code = /exit=(\d+)/.exec(r.out)?.[1];
      if (code === undefined) throw new Error(`kubectl exec in ${ns}/${pod} failed: ${r.out}`);
      return code === '0' ? 'connected' : code === '124' ? 'timed out' : 'reset';
    };
    /** Probes the flows side by side (a refused one waits out its 4 s), recording them in order. */
    const tcpFlows = async (probes: Array<[Omit<Flow, 'observed'>, string, string, string, number]>): Promise<void> => {
      const observed = await Promise.all(probes.map(([, ns, pod, ip, port]) => connect(ns, pod, ip, port)));
      probes.forEach(([f], i) => flows.push({ ...f, observed: observed[i] }));
    };

    /** The collector's count of packets it could not read: every junk datagram that reached it. */
    const junkCounted = async (collectorIp: string): Promise<number> => {
      const text = await (await fetch(`http://${collectorIp}:${COLLECTOR_HTTP_PORT}/metrics`)).text();
      return [...text.matchAll(/^xrootd_collector_packets_total\{result="(?:malformed|foreign)"\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    const sendJunk = (ns: string, pod: string, ip: string) => inPod(ns, pod, `for i in 1 2 3 4 5; do echo junk-$i > /dev/udp/${ip}/${COLLECTOR_REPORT_PORT}; sleep 0.2; done`);

    beforeAll(async () => {
      // The suite's own cluster goes (its claims stay): less for the one node to run.
      kubectl(['delete', 'xrootd', '--all', '-n', 'xrootd', '--wait=false']);
      node().addLocalVolumes(1);
      createNamespace(node().cp, SITE, 'restricted');
      createNamespace(node().cp, FED, 'restricted');
      createNamespace(node().cp, ELSEWHERE, 'restricted');
      // The meta-manager, in its own namespace; the site subscribes to it by reference.
      xrootd(FED, 'global', { version: '5.5.3', worker: { replicas: 0 }, federation: { metaManager: true }, redirector: SMALL });
      xrootd(SITE, 'alpha', {
        version: '5.5.3', worker: { replicas: 1, storage: { capacity: '1Gi' }, ...SMALL }, redirector: SMALL,
        monitoring: { enabled: true, reportIntervalSeconds: 5 },
        networkPolicy: { clients: [{ podSelector: { matchLabels: READER_LABEL } }] },
        federation: { upstreamRefs: [{ name: 'global', namespace: FED }] },
      });
      probePod(SITE, 'reader', READER_LABEL);
      probePod(SITE, 'stranger', {});
      // Labelled as a data server of another cluster of the same namespace.
      probePod(SITE, 'other-cluster', { 'app.kubernetes.io/name': 'xrootd', 'app.kubernetes.io/instance': 'beta', 'app.kubernetes.io/component': 'worker' });
      // Labelled exactly as alpha's pods (and as a reader), but in another namespace.
      probePod(ELSEWHERE, 'look-alike', { 'app.kubernetes.io/name': 'xrootd', 'app.kubernetes.io/instance': 'alpha', 'app.kubernetes.io/component': 'worker', ...READER_LABEL });
      // Labelled as a member of alpha in alpha's namespace: what the policy admits (labels are the identity there).
      probePod(SITE, 'member-label', { 'app.kubernetes.io/name': 'xrootd', 'app.kubernetes.io/instance': 'alpha' });
      for (const [ns, pod] of [[SITE, 'reader'], [SITE, 'stranger'], [SITE, 'other-cluster'], [ELSEWHERE, 'look-alike'], [SITE, 'member-label']]) {
        expect(kubectl(['wait', '-n', ns, `pod/${pod}`, '--for=condition=Ready', '--timeout=120s'], 130000)).toMatchObject({ code: 0 });
      }
      await xrootdReady(node().cp, FED, 'global', 0);
      await xrootdReady(node().cp, SITE, 'alpha', 1);
    }, 600000);

    afterAll(() => {
      // Its clusters go: the node's 2 cores are for the scenarios after it.
      kubectl(['delete', 'namespace', SITE, FED, ELSEWHERE, '--wait=false']);
      const table = ['| from | to | port | expected | observed | why |', '|---|---|---|---|---|---|',
        ...flows.map((f) => `| ${f.from} | ${f.to} | ${f.port} | ${f.expected} | ${f.observed ?? 'not run'} | ${f.why} |`)].join('\n');
      const dir = join(repoRoot(), 'build/test-report');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'network-policies.md'), `${table}\n`);
      console.log(`NetworkPolicy flows under enforcement:\n${table}`);
    });

    test('the site cluster serves its readers and its own pods: members subscribe, report and copy; the agent reads membership; anyone scrapes metrics', async () => {
      const redirector = `root://alpha-redirector-0.alpha-redirector.${SITE}.svc.cluster.local:${XROOTD_PORT}`;
      // Subscribed and reporting through the policy: the collector (a member) names the data server, the agent reads it.
      const members = await waitFor('alpha\'s members from its collector', () => {
        const m = node().cp.tryGetJson(['xrootd', 'alpha', '-n', SITE])?.status?.members;
        return m?.[0]?.subscribed === 1 ? m : undefined;
      }, 120000, 1000);
      expect(members[0]).toMatchObject({ manager: 'alpha-redirector-0', subscribed: 1, missing: [] });
      const write = inPod(SITE, 'reader', `head -c 1048576 /dev/urandom > /tmp/f && xrdcp --nopbar /tmp/f ${redirector}//data/policy/f && xrdcp --nopbar --force ${redirector}//data/policy/f /tmp/g && cmp /tmp/f /tmp/g && echo same`);
      expect([write.code, write.out.trim().split('\n').pop()]).toEqual([0, 'same']);
      const redirectorIp = rolePod(SITE, 'alpha', 'redirector').status.podIP;
      const workerIp = rolePod(SITE, 'alpha', 'worker').status.podIP;
      const collectorIp = rolePod(SITE, 'alpha', 'collector').status.podIP;
      flows.push({ from: 'site/alpha data server (cmsd)', to: 'alpha redirector', port: `${CMSD_PORT}/TCP`, expected: 'allowed', observed: 'connected (subscribed)', why: 'members' });
      flows.push({ from: 'site/alpha daemons (xrd.report)', to: 'alpha collector', port: `${COLLECTOR_REPORT_PORT}/UDP`, expected: 'allowed', observed: 'received (status.members)', why: 'members' });
      flows.push({ from: 'site/reader (labelled reader)', to: 'alpha redirector, then data server', port: `${XROOTD_PORT}/TCP`, expected: 'allowed', observed: 'wrote and read 1 MiB', why: 'networkPolicy.clients' });
      // The agent (xrootd-system) reads the collector's HTTP port; a scraper anywhere may too.
      await tcpFlows([
        [{ from: 'site/reader', to: 'alpha data server', port: `${XROOTD_PORT}/TCP`, expected: 'allowed', why: 'networkPolicy.clients' }, SITE, 'reader', workerIp, XROOTD_PORT],
        [{ from: 'elsewhere/look-alike', to: 'alpha collector', port: `${COLLECTOR_HTTP_PORT}/TCP`, expected: 'allowed', why: 'metrics: anyone' }, ELSEWHERE, 'look-alike', collectorIp, COLLECTOR_HTTP_PORT],
      ]);
      const scrape = inPod(ELSEWHERE, 'look-alike', `exec 3<>/dev/tcp/${collectorIp}/${COLLECTOR_HTTP_PORT}; printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3`);
      expect(scrape.out).toContain('xrootd_collector_packets_total');
      expect(await connect(SITE, 'member-label', redirectorIp, CMSD_PORT)).toBe('connected');
      flows.push({ from: 'site/member-label (alpha\'s labels)', to: 'alpha redirector', port: `${CMSD_PORT}/TCP`, expected: 'allowed', observed: 'connected', why: 'members are pods with the cluster\'s labels in its namespace' });
      for (const f of flows) expect([f.from, f.to, f.port, f.observed]).toEqual([f.from, f.to, f.port, expect.stringMatching(/^(connected|received|wrote)/)]);
    }, 300000);

    test('what the site\'s policy must refuse is refused: the cmsd port, the data and the collector from other clusters, other namespaces and unlabelled pods', async () => {
      const refused: Array<[string, string, string, string, number, string]> = [];
      const redirectorIp = rolePod(SITE, 'alpha', 'redirector').status.podIP;
      const workerIp = rolePod(SITE, 'alpha', 'worker').status.podIP;
      for (const [ns, pod] of [[SITE, 'other-cluster'], [SITE, 'stranger'], [ELSEWHERE, 'look-alike']]) {
        refused.push([ns, pod, 'alpha redirector', 'cmsd', CMSD_PORT, ns === SITE ? 'not a member' : 'members are of alpha\'s namespace only']);
      }
      refused.push([SITE, 'stranger', 'alpha redirector', 'xrootd', XROOTD_PORT, 'not in networkPolicy.clients']);
      refused.push([SITE, 'stranger', 'alpha data server', 'xrootd', XROOTD_PORT, 'not in networkPolicy.clients: no write from outside']);
      refused.push([SITE, 'other-cluster', 'alpha data server', 'xrootd', XROOTD_PORT, 'not in networkPolicy.clients']);
      refused.push([ELSEWHERE, 'look-alike', 'alpha data server', 'xrootd', XROOTD_PORT, 'clients\' podSelector is of alpha\'s namespace only']);
      await tcpFlows(refused.map(([ns, pod, to, what, port, why]) => [
        { from: `${ns}/${pod}`, to, port: `${port}/TCP (${what})`, expected: 'refused', why }, ns, pod, to.includes('redirector') ? redirectorIp : workerIp, port,
      ]));
      const write = inPod(SITE, 'stranger', 'head -c 1024 /dev/urandom > /tmp/f && XRD_CONNECTIONRETRY=1 XRD_CONNECTIONWINDOW=5 timeout 30 xrdcp --nopbar /tmp/f root://alpha-redirector-0.alpha-redirector.site.svc.cluster.local:1094//data/policy/stranger');
      expect(write.code).not.toBe(0);
      flows.push({ from: 'site/stranger', to: 'alpha (xrdcp write)', port: `${XROOTD_PORT}/TCP`, expected: 'refused', observed: write.code === 0 ? 'written' : 'failed', why: 'not in networkPolicy.clients' });

      // Junk datagrams at the collector's report port: counted when they arrive (the look-alike of alpha's
      // namespace shows that they would be), never from another namespace or from a non-member.
      const collectorIp = rolePod(SITE, 'alpha', 'collector').status.podIP;
      const before = await junkCounted(collectorIp);
      sendJunk(ELSEWHERE, 'look-alike', collectorIp);
      sendJunk(SITE, 'stranger', collectorIp);
      await new Promise((r) => setTimeout(r, 3000));
      const afterRefused = await junkCounted(collectorIp);
      sendJunk(SITE, 'member-label', collectorIp);
      const afterMember = await waitFor('the member-labelled pod\'s datagrams counted', async () => {
        const n = await junkCounted(collectorIp);
        return n >= afterRefused + 5 ? n : undefined;
      }, 15000, 500);
      flows.push({ from: 'elsewhere/look-alike and site/stranger', to: 'alpha collector', port: `${COLLECTOR_REPORT_PORT}/UDP`, expected: 'refused', observed: `${afterRefused - before} of 10 datagrams received`, why: 'reports from members only' });
      flows.push({ from: 'site/member-label', to: 'alpha collector', port: `${COLLECTOR_REPORT_PORT}/UDP`, expected: 'allowed', observed: `${afterMember - afterRefused} of 5 datagrams received`, why: 'members' });
      expect(afterRefused).toBe(before);
      expect(afterMember - afterRefused).toBe(5);
      for (const f of flows.filter((x) => x.expected === 'refused' && /TCP \(/.test(x.port))) expect([f.from, f.to, f.port, f.observed]).toEqual([f.from, f.to, f.port, 'timed out']);
    }, 300000);

    test('the federation across namespaces works under enforcement: the site\'s redirector subscribes to the meta-manager, a client is sent through it to the site; other pods cannot reach its cmsd port', async () => {
      const metaIp = rolePod(FED, 'global', 'redirector').status.podIP;
      const meta = `root://global-redirector-0.global-redirector.${FED}.svc.cluster.local:${XROOTD_PORT}`;
      // The meta-manager finds the file only through its subscriber (alpha's redirector, in another namespace).
      const read = await waitFor('a read through the meta-manager', () => {
        const r = inPod(SITE, 'reader', `XRD_CONNECTIONRETRY=1 timeout 60 xrdcp --nopbar --force ${meta}//data/policy/f /tmp/via-meta && cmp /tmp/f /tmp/via-meta && echo same`);
        return r.code === 0 ? r : undefined;
      }, 120000, 3000);
      expect(read.out.trim().split('\n').pop()).toBe('same');
      flows.push({ from: 'site/alpha redirector (cmsd, meta subscriber)', to: 'fed/global redirector', port: `${CMSD_PORT}/TCP`, expected: 'allowed', observed: 'connected (the meta-manager located the file)', why: 'any namespace\'s redirectors' });
      flows.push({ from: 'site/reader', to: 'fed/global, then alpha', port: `${XROOTD_PORT}/TCP`, expected: 'allowed', observed: 'read 1 MiB through the meta-manager', why: 'global admits anyone; alpha admits readers' });
      await tcpFlows([
        [{ from: 'site/stranger', to: 'fed/global redirector', port: `${CMSD_PORT}/TCP (cmsd)`, expected: 'refused', why: 'not a redirector' }, SITE, 'stranger', metaIp, CMSD_PORT],
        [{ from: 'elsewhere/look-alike (a data server\'s labels)', to: 'fed/global redirector', port: `${CMSD_PORT}/TCP (cmsd)`, expected: 'refused', why: 'not a redirector' },
          ELSEWHERE, 'look-alike', metaIp, CMSD_PORT],
      ]);
      expect(flows.slice(-2).map((f) => f.observed)).toEqual(['timed out', 'timed out']);
    }, 300000);
  });
}

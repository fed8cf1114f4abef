/**
 * `status`: a cluster's roles, versions, rollout, drain and volume expansion progress;
 * `--watch` redraws on every change until the cluster is Ready with every volume
 * at its size (or Degraded), like `kubectl
 * rollout status`. Exit 0 Ready, 1 Degraded, 3 API failure, 4 still in progress.
 */
import type { XrootdStatus } from '../../constructs/index.js';
import { KubeClient } from '../kube/client.js';
import { collectionPath, kindInfo, objectPath } from '../kube/kinds.js';
import { XROOTD_API_VERSION } from '../kinds.js';

export const STATUS_EXIT = { ready: 0, degraded: 1, failed: 3, progressing: 4 } as const;

interface XrootdView {
  metadata: { name: string; namespace: string; generation?: number };
  spec?: { version?: string; worker?: { autoscale?: { minReplicas?: number; maxReplicas?: number } } };
  status?: XrootdStatus;
}

const cond = (x: XrootdView, type: string) => x.status?.conditions?.find((c) => c.type === type);

function bar(done: number, total: number, width = 20): string {
  const filled = total ? Math.round((done / total) * width) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** Pure: the text `status` prints for one resource. */
export function formatStatus(x: XrootdView): string {
  const s = x.status ?? {};
  const current = s.currentVersion ?? '-';
  const target = s.targetVersion ?? x.spec?.version ?? '-';
  const ready = cond(x, 'Ready')?.status === 'True';
  const degraded = cond(x, 'Degraded')?.status === 'True';
  const state = degraded ? `Degraded (${cond(x, 'Degraded')?.reason})` : ready ? 'Ready' : s.rollout?.phase ?? 'Progressing';
  const lines = [`${x.metadata.namespace}/${x.metadata.name}  ${current === target ? `version ${target}` : `version ${current} -> ${target}`}  ${state}`];
  for (const [label, r] of [['redirectors', s.redirectors], ['supervisors', s.supervisors], ['data servers', s.workers]] as const) {
    if (!r || r.replicas === undefined) continue;
    const total = r.replicas ?? 0;
    const version = r.version && r.targetVersion && r.version !== r.targetVersion ? `  ${r.version} -> ${r.targetVersion}` : r.version ? `  ${r.version}` : '';
    lines.push(`  ${label.padEnd(12)} ${String(r.ready ?? 0).padStart(4)}/${total} ready  ${String(r.updated ?? 0).padStart(4)}/${total} updated ${bar(r.updated ?? 0, total)}${version}`);
  }
  if (s.rollout?.phase) {
    lines.push(`  rollout      ${s.rollout.phase}: ${s.rollout.message ?? ''}`);
    if (s.rollout.startedAt) lines.push(`  started      ${s.rollout.startedAt}${s.rollout.stepStartedAt ? `, this step ${s.rollout.stepStartedAt}` : ''}`);
  }
  // spec.monitoring: who each manager has subscribed.
  for (const m of s.members ?? []) {
    const missing = m.missing?.length ? `  missing ${m.missing.join(', ')}${m.missingSince ? ` since ${m.missingSince}` : ''}` : '';
    lines.push(`  members      ${m.manager}: ${m.subscribed ?? 0}/${m.expected ?? 0} subscribed${missing}`);
  }
  // A cache cluster's fill level and hit ratio (spec.cache with spec.monitoring).
  const c = s.cache;
  if (c?.servers) {
    const fill = c.fillPercent !== undefined ? `disks ${c.fillPercent}% used (fullest server ${c.fullestPercent ?? c.fillPercent}%)` : 'disks not reported yet';
    const hits = c.hitPercent !== undefined ? `, ${c.hitPercent}% of bytes sent served from copies` : '';
    lines.push(`  cache        ${c.servers} server${c.servers === 1 ? '' : 's'}: ${fill}${hits}; ${c.disposable ?? ''}`);
  }
  const v = s.volumes;
  if (v?.capacity && (v.expanding?.length || v.retained?.length)) {
    lines.push(`  volumes      ${v.atCapacity ?? 0}/${v.claims ?? 0} at ${v.capacity} ${bar(v.atCapacity ?? 0, v.claims ?? 0)}`);
    for (const e of v.expanding ?? []) lines.push(`               ${e.claim} has ${e.capacity}, waiting for ${e.waitingFor}`);
    for (const r of v.retained ?? []) lines.push(`  kept         ${r.claim} (was ${r.pod}): its files are not served`);
  }
  // What the agent does on its own (docs/autopilot.md): a server it is about to restart, the data servers' number, volumes that cannot grow.
  const healing = cond(x, 'Healing');
  if (healing?.status === 'True') lines.push(`  healing      ${healing.message ?? ''}`);
  const a = s.autoscale;
  const bounds = x.spec?.worker?.autoscale;
  if (a?.replicas !== undefined) lines.push(`  autoscale    ${a.replicas} data servers chosen (${bounds?.minReplicas ?? 1}-${bounds?.maxReplicas ?? '?'}): ${a.message ?? ''}`);
  for (const f of s.autoExpand?.full ?? []) lines.push(`  full         ${f.pod} (${f.claim}): ${f.freePercent}% free, cannot grow: ${f.reason}`);
  for (const l of s.lostNodes ?? []) lines.push(`  lost node    ${l.pod} on ${l.node} (NotReady since ${l.since}): ${l.phase}, ${l.message ?? ''}`);
  const d = s.drain;
  if (d?.phase) {
    const files = d.totalFiles !== undefined ? ` ${d.files ?? 0}/${d.totalFiles} files ${bar(d.bytes ?? 0, d.totalBytes ?? 0)} ${d.bytes ?? 0}/${d.totalBytes ?? 0} bytes` : '';
    lines.push(`  drain        ${d.phase} ${d.pod}${d.targets?.length ? ` -> ${d.targets.join(', ')}` : ''}:${files || ` ${d.message ?? ''}`}`);
    if (d.remaining?.length) lines.push(`               then ${d.remaining.join(', ')}`);
  }
  if (degraded) lines.push(`  error        ${cond(x, 'Degraded')?.message ?? ''}`);
  else if (!ready && !s.rollout?.phase && !d && cond(x, 'Ready')?.message) lines.push(`  waiting      ${cond(x, 'Ready')?.message}`);
  if (s.observedGeneration !== undefined && x.metadata.generation !== undefined && s.observedGeneration < x.metadata.generation) {
    lines.push('  (the agent has not seen the latest spec yet)');
  }
  return lines.join('\n');
}

function verdict(x: XrootdView): number {
  const current = (x.status?.observedGeneration ?? -1) >= (x.metadata.generation ?? 0);
  if (current && cond(x, 'Degraded')?.status === 'True') return STATUS_EXIT.degraded;
  // A volume still growing is a change in progress, even on a Ready cluster.
  if (current && cond(x, 'Ready')?.status === 'True' && cond(x, 'VolumesExpanding')?.status !== 'True') return STATUS_EXIT.ready;
  return STATUS_EXIT.progressing;
}

export async function statusCommand(
  name: string,
  opts: { kubeconfig?: string; namespace: string; output: string; watch: boolean; timeout: string },
): Promise<number> {
  const client = KubeClient.load(opts.kubeconfig);
  const kind = kindInfo(XROOTD_API_VERSION, 'Xrootd');
  const print = (x: XrootdView) => {
    if (opts.output === 'json') console.log(JSON.stringify({ name: x.metadata.name, namespace: x.metadata.namespace, generation: x.metadata.generation, status: x.status ?? {} }));
    else process.stdout.write(`${opts.watch && process.stdout.isTTY ? '\x1b[2J\x1b[H' : ''}${formatStatus(x)}\n${opts.watch && !process.stdout.isTTY ? '\n' : ''}`);
  };
  try {
    const x = await client.request<XrootdView>('GET', objectPath({ apiVersion: kind.apiVersion, kind: kind.kind, name, namespace: opts.namespace }));
    print(x);
    if (!opts.watch || verdict(x) !== STATUS_EXIT.progressing) return verdict(x);
    return await new Promise<number>((resolve, reject) => {
      let last = JSON.stringify(x.status);
      const timer = setTimeout(() => { handle?.stop(); resolve(STATUS_EXIT.progressing); }, Number(opts.timeout) * 1000);
      let handle: { stop(): void } | undefined;
      client.watch<XrootdView>(collectionPath(kind, opts.namespace), { fieldSelector: `metadata.name=${name}`, resourceVersion: (x as { metadata: { resourceVersion?: string } }).metadata.resourceVersion }, (e) => {
        if (e.type !== 'MODIFIED' && e.type !== 'ADDED') return;
        if (JSON.stringify(e.object.status) !== last) {
          last = JSON.stringify(e.object.status);
          print(e.object);
        }
        const v = verdict(e.object);
        if (v !== STATUS_EXIT.progressing) {
          clearTimeout(timer);
          handle?.stop();
          resolve(v);
        }
      }).then((h) => {
        handle = h;
        // The server ended the watch before a verdict: report where it stands.
        void h.done.then(() => { clearTimeout(timer); resolve(STATUS_EXIT.progressing); }, reject);
      }, reject);
    });
  } catch (e) {
    console.error(`status failed: ${(e as Error).message}`);
    return STATUS_EXIT.failed;
  } finally {
    client.close();
  }
}

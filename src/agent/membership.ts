/**
 * status.members: which servers each manager (redirector) and supervisor has subscribed, as the
 * cluster's collector reports it (spec.monitoring), against what the topology says it should
 * have. A Ready pod missing from its manager's list for longer than the grace period makes the
 * cluster MembersMissing. Pure, except fetchMembership.
 */
import { expectedMembers, type ClusterModel, type ManagerMembersStatus } from '../../constructs/index.js';
import { MEMBERS_GRACE_SECONDS } from './defaults.js';
import type { CacheServerFigures, DataServerSpace } from '../collector/collector.js';
import type { RoleView } from './views.js';

/** What the collector's /membership answers. */
export interface MembershipReport {
  readonly managers: readonly {
    readonly pod: string;
    readonly role: string;
    /** status: `a` active, `o` offline, `s` suspended, `d` disabled, then `w` writable, `n` no staging (as the manager reports it). */
    readonly members: readonly {
      readonly pod: string; readonly host?: string; readonly address?: string; readonly status?: string; readonly active: boolean;
    }[];
    /** When the collector received the manager's report (ms, the collector's clock). */
    readonly reportedAt?: number;
  }[];
  /** A cache cluster's servers: bytes since the collector started, and their data disks now. */
  readonly caches?: readonly CacheServerFigures[];
  /** Each data server's free space (worker.storage.autoExpand). */
  readonly spaces?: readonly DataServerSpace[];
}

/** The collector's /membership; undefined (and why) when it cannot be read or is not one. */
export async function fetchMembership(url: string, timeoutMs = 3000): Promise<{ report?: MembershipReport; error?: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { error: `${url} answered ${res.status}` };
    const body = await res.json() as MembershipReport;
    const ok = Array.isArray(body?.managers) && body.managers.every((m) => typeof m?.pod === 'string' && Array.isArray(m.members)
      && m.members.every((x: { pod?: unknown; active?: unknown }) => typeof x?.pod === 'string' && typeof x.active === 'boolean'));
    const number = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
    const diskOk = (d: { bytes?: unknown; usedBytes?: unknown }) => number(d?.bytes) && number(d?.usedBytes);
    const cachesOk = body?.caches === undefined || (Array.isArray(body.caches) && body.caches.every((c) => typeof c?.pod === 'string'
      && [c.sentBytes, c.hitBytes, c.missBytes, c.bypassBytes].every(number) && (c.fetchedBytes === undefined || number(c.fetchedBytes))
      && Array.isArray(c.disks) && c.disks.every(diskOk)));
    const spacesOk = body?.spaces === undefined || (Array.isArray(body.spaces) && body.spaces.every((s) => typeof s?.pod === 'string'
      && number(s.bytes) && number(s.freeBytes) && s.freeBytes <= s.bytes && number(s.reportedAt)
      && (s.openForWrite === undefined || number(s.openForWrite))));
    return ok && cachesOk && spacesOk ? { report: body } : { error: `${url} did not answer a membership report` };
  } catch (e) {
    return { error: `${url}: ${(e as Error).message}` };
  }
}

export interface MembersInput {
  readonly model: ClusterModel;
  readonly report?: MembershipReport;
  /** Pods that are Ready now, by name, with their addresses (a manager may list servers by address). */
  readonly readyPods: ReadonlyMap<string, string | undefined>;
  readonly previous?: readonly ManagerMembersStatus[];
  readonly now: string;
  /**
   * A meta-manager's: the redirectors of the clusters that name it in federation.upstreamRefs,
   * which each of its redirectors should have subscribed; named `namespace/pod` (their Ready ones
   * with addresses in `readyPods`).
   */
  readonly federated?: { readonly expected: readonly string[]; readonly readyPods: ReadonlyMap<string, string | undefined> };
  /** The pods reported missing when a manager does not list them (default: the Ready ones), with their addresses. */
  readonly candidates?: ReadonlyMap<string, string | undefined>;
}

/**
 * The names a listed member may stand for: the pod reporting from its address, its host name's
 * first label, and `namespace/pod` from a per-pod DNS name (`<pod>.<service>.<namespace>.svc...`).
 */
function namesOf(member: MembershipReport['managers'][number]['members'][number], byAddress: ReadonlyMap<string, string>): string[] {
  const known = byAddress.get(member.address ?? member.pod);
  if (known) return [known];
  const labels = typeof member.host === 'string' && !member.address ? member.host.split('.') : [];
  return labels.length >= 4 && labels[3] === 'svc' ? [member.pod, `${labels[2]}/${labels[0]}`] : [member.pod];
}

/**
 * One entry per manager and supervisor: how many servers it should have, how many it has, and
 * the Ready pods it lacks (since when). A manager that is not Ready, or not reporting, is left
 * out: its pod's own readiness already says so.
 */
export function membersStatus(input: MembersInput): ManagerMembersStatus[] {
  if (!input.report) return [];
  const readyPods = new Map([...(input.candidates ?? input.readyPods), ...(input.federated?.readyPods ?? [])]);
  // A Ready pod's address names it, before any other pod that had that address.
  const byAddress = new Map([...readyPods, ...input.readyPods].filter(([, ip]) => ip).map(([pod, ip]) => [ip!, pod]));
  const out: ManagerMembersStatus[] = [];
  for (const [manager, { role, expected: own }] of expectedMembers(input.model)) {
    const listed = input.report.managers.find((m) => m.pod === manager);
    if (!listed || !input.readyPods.has(manager)) continue;
    const expected = role === 'redirector' ? [...own, ...(input.federated?.expected ?? [])] : own;
    const active = new Set(listed.members.filter((m) => m.active).flatMap((m) => namesOf(m, byAddress)));
    const missing = expected.filter((pod) => readyPods.has(pod) && !active.has(pod));
    const before = input.previous?.find((p) => p.manager === manager);
    out.push({
      manager, role, expected: expected.length, subscribed: expected.filter((pod) => active.has(pod)).length, missing,
      ...(missing.length ? { missingSince: before?.missing?.length && before.missingSince ? before.missingSince : input.now } : {}),
    });
  }
  return out;
}

/** The Ready pods missing from a manager's list for longer than the grace period, named, or none. */
export function membersMissing(members: readonly ManagerMembersStatus[], now: string, graceSeconds = MEMBERS_GRACE_SECONDS): string[] {
  const late = (since?: string) => !!since && Date.parse(now) - Date.parse(since) >= graceSeconds * 1000;
  return members.filter((m) => m.missing?.length && late(m.missingSince)).map((m) => `${m.manager} lacks ${m.missing!.join(', ')}`);
}

/** The roles as the rollout sees them, a Ready pod that a manager lacks counted as not ready. */
export function withUnsubscribedUnready(roles: RoleView[], members: readonly ManagerMembersStatus[] | undefined): RoleView[] {
  const unsubscribed = new Set((members ?? []).flatMap((m) => m.missing ?? []));
  if (!unsubscribed.size) return roles;
  return roles.map((r) => ({ ...r, pods: r.pods.map((p) => (unsubscribed.has(p.name) ? { ...p, ready: false } : p)) }));
}

/**
 * expose.type LoadBalancer: the address each data server's and supervisor's own Service got from
 * its load balancer becomes the pod's announced outside address. The pods read the
 * external-addresses ConfigMap when they start, so a pod made before its address was known (or
 * changed) is restarted: one at a time, and only while every other pod of its role is Ready.
 * Pure: the decision; the reconciler synthesizes with the addresses and deletes the pod.
 */
import { isIP } from 'node:net';
import type { ClusterModel, ExternalAddressStatus } from '../../constructs/index.js';
import { podsWithOwnService } from '../../constructs/internal.js';
import type { KubeObject } from '../kube/kinds.js';

/** What the decision reads of a pod. */
export interface ExternalPodView {
  readonly name: string;
  readonly ready: boolean;
  readonly deleting: boolean;
  /** metadata.creationTimestamp (RFC 3339). */
  readonly createdAt?: string;
}

export interface ExternalAddressStep {
  /** For synthesis (XrootdClusterProps.decisions.externalAddresses): pod name to address. */
  readonly addresses: Record<string, string>;
  /** status.external: one entry per pod whose Service has an address, with when it was first seen. */
  readonly status: Required<ExternalAddressStatus>[];
  /** The pod to restart now, if any. */
  readonly restart?: string;
  /** Pods still to restart after this step. */
  readonly pending: number;
}

interface LoadBalancerService { status?: { loadBalancer?: { ingress?: Array<{ ip?: string }> } } }

/** The first IP address of a Service's load balancer (a host name alone is not one XRootD can announce). */
export function loadBalancerAddress(service: KubeObject | undefined): string | undefined {
  const ingress = (service as LoadBalancerService | undefined)?.status?.loadBalancer?.ingress ?? [];
  return ingress.map((i) => i.ip).find((ip): ip is string => typeof ip === 'string' && isIP(ip) !== 0);
}

export function decideExternalAddresses(input: {
  model: ClusterModel;
  /** The live Service of a pod, by the Service's name. */
  service: (name: string) => KubeObject | undefined;
  previous?: readonly ExternalAddressStatus[];
  pods: readonly ExternalPodView[];
  now: string;
}): ExternalAddressStep {
  const { model, previous = [], pods, now } = input;
  if (model.spec.expose.type !== 'LoadBalancer') return { addresses: {}, status: [], pending: 0 };
  const addresses: Record<string, string> = {};
  const status: Required<ExternalAddressStatus>[] = [];
  for (const { role, ordinal, pod } of podsWithOwnService(model.names, model.topology)) {
    const address = loadBalancerAddress(input.service(model.names.externalPodService(role, ordinal)));
    if (!address) continue;
    addresses[pod] = address;
    const before = previous.find((p) => p.pod === pod && p.address === address);
    status.push({ pod, address, since: before?.since ?? now });
  }
  const stale = status.filter((s) => {
    const pod = pods.find((p) => p.name === s.pod);
    return pod && !pod.deleting && pod.createdAt !== undefined && pod.createdAt < s.since;
  }).map((s) => s.pod);
  const next = stale[0];
  if (next === undefined) return { addresses, status, pending: 0 };
  const role = next.slice(0, next.lastIndexOf('-'));
  const othersReady = pods.filter((p) => p.name !== next && p.name.slice(0, p.name.lastIndexOf('-')) === role).every((p) => p.ready && !p.deleting);
  return othersReady ? { addresses, status, restart: next, pending: stale.length - 1 } : { addresses, status, pending: stale.length };
}

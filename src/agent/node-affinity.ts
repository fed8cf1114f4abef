/**
 * Which node a PersistentVolume is bound to, from its required node affinity
 * (spec.nodeAffinity.required) or its kind (local, hostPath). Pure.
 */

export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

export interface NodeSelectorTerm {
  readonly matchExpressions?: readonly NodeSelectorRequirement[];
  readonly matchFields?: readonly NodeSelectorRequirement[];
}

export interface NodeLabels {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** A PersistentVolume as far as where it can be mounted. */
export interface VolumePlacement {
  readonly local?: unknown;
  readonly hostPath?: unknown;
  readonly nodeAffinity?: { readonly required?: { readonly nodeSelectorTerms?: readonly NodeSelectorTerm[] } };
}

/** The node a term names by its own name: metadata.name, or a label set to its name or host name (kubernetes.io/hostname, openebs.io/nodename, ...). */
function termPins(term: NodeSelectorTerm, nodes: readonly NodeLabels[]): string | undefined {
  const single = (r: NodeSelectorRequirement) => (r.operator === 'In' && r.values?.length === 1 ? r.values[0] : undefined);
  for (const r of term.matchFields ?? []) if (r.key === 'metadata.name' && single(r)) return single(r);
  for (const r of term.matchExpressions ?? []) {
    const value = single(r);
    if (value === undefined) continue;
    if (r.key === HOSTNAME_LABEL) return nodes.find((n) => n.labels[HOSTNAME_LABEL] === value)?.name ?? value;
    const named = nodes.find((n) => n.name === value && n.labels[r.key] === value);
    if (named) return named.name;
  }
  return undefined;
}

/**
 * The one node a volume is bound to, by what the volume says (never by how many nodes exist now:
 * a zone's disk matches one node in a zone of one): a local or hostPath volume, or a node affinity
 * each of whose terms names the same node. The node may be gone from the API. Undefined: the
 * volume can be mounted elsewhere (network-attached, or a zone's).
 */
export function pinnedNode(volume: VolumePlacement, nodes: readonly NodeLabels[], podNode?: string): string | undefined {
  const terms = volume.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  const pins = terms.map((t) => termPins(t, nodes));
  if (terms.length && pins.every((p) => p !== undefined && p === pins[0])) return pins[0];
  // A local or hostPath volume without an affinity naming a node is where its pod runs.
  return (volume.local || volume.hostPath) && !terms.length ? podNode : undefined;
}

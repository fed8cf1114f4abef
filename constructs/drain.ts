/**
 * Draining a data server before a scale-down removes it (spec.worker.scaleDown: Drain): a Job
 * in the cluster's own XRootD image copies every file the server holds to the data servers that
 * stay, straight to them (through the redirector a copy would find the file already there),
 * each copy compared by checksum. Pure: the script's text and the Job; the agent decides when.
 */
import { createHash } from 'node:crypto';
import { CHECKSUM, hashedCaDir } from './config.js';
import { clusterLabels } from './labels.js';
import type { DrainJobDecision } from './decisions.js';
import type { ClusterModel } from './model.js';
import { DRAIN_DIGEST_CHARS } from './names.js';
import { containerSecurity } from './pod-template.js';

/** The script exits with this when it refuses (files it cannot copy, too little space, conflicts): retrying cannot help. */
export const DRAIN_REFUSED = 65;
/** Its environment is not what the Job sets. */
export const DRAIN_USAGE = 64;
/** Where an interrupted copy goes before it is complete: `<dir>/.<name><suffix>`, renamed once its checksum matches. */
export const DRAIN_PARTIAL_SUFFIX = '.xrootd-k8s-drain';
/** Where the Job finds the cluster's CA (spec.security.tls) and its token (spec.worker.drainToken). */
const DRAIN_CA_DIR = '/etc/xrootd/tls-ca';
const DRAIN_TOKEN_DIR = '/etc/xrootd/drain-token';
/** The Job's container. */
export const DRAIN_CONTAINER = 'drain';
/** On the Job: the ordinal of the data server it drains and the data servers it copies to. */
export const DRAIN_ORDINAL_LABEL = 'xrootd.org/drain-of';
export const DRAIN_TARGETS_ANNOTATION = 'xrootd.org/drain-targets';
/** On the Job: the spec generation it was made for; a failed Job is tried again once the spec changes. */
export const DRAIN_GENERATION_ANNOTATION = 'xrootd.org/spec-generation';
/** On a data volume whose files a drain copied away (RFC 3339): it holds copies only. */
export const DRAINED_AT_ANNOTATION = 'xrootd.org/drained-at';

export const DRAIN_ENV = {
  source: 'XRD_DRAIN_SOURCE',
  targets: 'XRD_DRAIN_TARGETS',
  exports: 'XRD_DRAIN_EXPORTS',
  readOnlyExports: 'XRD_DRAIN_READONLY_EXPORTS',
  reservePercent: 'XRD_DRAIN_RESERVE_PERCENT',
  reserveBytes: 'XRD_DRAIN_RESERVE_BYTES',
  redirectors: 'XRD_DRAIN_REDIRECTORS',
  /** root, or roots with spec.security.tls (verified against the CA file). */
  scheme: 'XRD_DRAIN_SCHEME',
  caFile: 'XRD_DRAIN_CA_FILE',
} as const;

/** What the script prints after each file, and the agent reads back from the Job's log. */
export interface DrainProgress { readonly files: number; readonly totalFiles: number; readonly bytes: number; readonly totalBytes: number }
const PROGRESS = /^drain: progress files=(\d+)\/(\d+) bytes=(\d+)\/(\d+)$/;

/** The last progress line of a drain's log, if any. */
export function parseDrainProgress(log: string): DrainProgress | undefined {
  const line = log.split('\n').reverse().map((l) => PROGRESS.exec(l.trim())).find(Boolean);
  return line ? { files: Number(line[1]), totalFiles: Number(line[2]), bytes: Number(line[3]), totalBytes: Number(line[4]) } : undefined;
}

/**
 * The copy, in POSIX sh and awk (the image has no other language). Every name is quoted and read
 * whole; a name the listing cannot carry (a line that does not parse: a newline in it) or that a
 * URL cannot (a "?") is refused before anything is copied, as are names present on a target with
 * other contents, and a plan that would leave a target with less than the reserve free. Resumable:
 * a file already on a target with the same size and checksum counts as copied; partial copies
 * (DRAIN_PARTIAL_SUFFIX) left by an interrupted run are removed first.
 */
const CA_DIR_LINES = hashedCaDir('"$ca_file"', '"$work/cadir"', `stop ${DRAIN_USAGE} "$ca_file is not a PEM certificate"`).join('\n  ');

export const DRAIN_SCRIPT = String.raw`set -u
say() { printf 'drain: %s\n' "$*"; }
stop() { code=$1; shift; printf 'drain: %s\n' "$*" >&2; if [ -w /dev/termination-log ]; then printf '%s\n' "$*" > /dev/termination-log; fi; exit "$code"; }
for v in ${DRAIN_ENV.source} ${DRAIN_ENV.targets} ${DRAIN_ENV.exports}; do
  [ -n "$(printenv "$v")" ] || stop ${DRAIN_USAGE} "environment variable $v must be set"
done
source=$(printenv ${DRAIN_ENV.source})
exports=$(printenv ${DRAIN_ENV.exports})
readonly_exports=$(printenv ${DRAIN_ENV.readOnlyExports} || true)
redirectors=$(printenv ${DRAIN_ENV.redirectors} || true)
reserve_percent=$(printenv ${DRAIN_ENV.reservePercent} || echo 0)
reserve_bytes=$(printenv ${DRAIN_ENV.reserveBytes} || echo 0)
work=$(mktemp -d) || stop 70 "cannot make a temporary directory"
trap 'rm -rf "$work"' EXIT
scheme=$(printenv ${DRAIN_ENV.scheme} || echo root)
# TLS: the data servers are verified against the cluster's CA, as their peers verify them.
if ca_file=$(printenv ${DRAIN_ENV.caFile}); then
  [ -s "$ca_file" ] || stop ${DRAIN_USAGE} "no CA certificate at $ca_file"
  mkdir "$work/cadir"
  ${CA_DIR_LINES}
fi
printf '%s\n' $(printenv ${DRAIN_ENV.targets}) > "$work/targets"

# "<size> <path>" of every file under the exports of $1 (directories left out), in $2.
# A line that is not an entry (a name with a line break in it) goes to $2.bad.
list() {
  : > "$2"; : > "$2.bad"
  for export in $exports $readonly_exports; do
    if ! xrdfs "$scheme://$1" ls -R -l "$export" > "$work/raw" 2> "$work/err"; then
      grep -q 'No such file or directory' "$work/err" && continue
      # xrdfs cannot list a directory holding a name with a line break: it fails on the whole listing.
      grep -q 'Invalid response' "$work/err" && stop ${DRAIN_REFUSED} "refused: $1 cannot list $export (a name with a line break in it?): $(head -c 300 "$work/err")"
      stop 69 "cannot list $export on $1: $(head -c 500 "$work/err")"
    fi
    awk -v bad="$2.bad" '
      /^d/ { next }
      match($0, /^-[-rwx]+ [^ ]+ +[^ ]+ +[0-9]+ [0-9-]+ [0-9:]+ \//) { print $4 " " substr($0, RLENGTH); next }
      { print >> bad }' "$work/raw" >> "$2"
  done
}

list "$source" "$work/source"
[ -s "$work/source.bad" ] && stop ${DRAIN_REFUSED} "refused: the listing of $source has entries that are not files or directories (a name with a line break?): $(head -c 300 "$work/source.bad")"
# Partial copies into this server, from a drain of another, are not files to keep.
grep -v -e '${DRAIN_PARTIAL_SUFFIX}$' "$work/source" > "$work/files" || true
if grep -q '?' "$work/files"; then stop ${DRAIN_REFUSED} "refused: names with \"?\" cannot be copied through an XRootD URL: $(grep '?' "$work/files" | head -n 5 | cut -d' ' -f2- | tr '\n' ' ')"; fi
for export in $readonly_exports; do
  if cut -d' ' -f2- "$work/files" | grep -q -e "^$export/"; then stop ${DRAIN_REFUSED} "refused: files under the read-only export $export cannot be written to another data server through XRootD"; fi
done

i=0
: > "$work/space"
first_export=$(printf '%s\n' $exports | head -n 1)
while IFS= read -r target; do
  i=$((i + 1))
  list "$target" "$work/target.$i"
  # What an interrupted run left: partial copies, not yet renamed to their names.
  grep -e '${DRAIN_PARTIAL_SUFFIX}$' "$work/target.$i" | cut -d' ' -f2- | while IFS= read -r partial; do
    xrdfs "$scheme://$target" rm "$partial" > /dev/null 2>&1 && say "removed the partial copy $partial on $target"
  done
  space=$(xrdfs "$scheme://$target" query space "$first_export" 2>&1) || stop 69 "cannot read the free space of $target: $space"
  printf '%s %s\n' "$i" "$space" >> "$work/space"
done < "$work/targets"

# The plan, largest files first, two lines per file ("<action> <target> <size>", then the path):
# a file already on a target with the same size is compared by checksum (verify); a name there
# with another size is a conflict; every other file goes to the target with the most room beyond
# the reserve (oss.free minus the larger of reserve % of oss.space and reserve bytes).
sort -k1,1nr "$work/files" | awk -v pct="$reserve_percent" -v floor="$reserve_bytes" -v dir="$work" '
  BEGIN {
    while ((getline line < (dir "/space")) > 0) {
      split(line, f, " "); t = f[1]; n = t; free = 0; total = 0
      split(f[2], kv, "&")
      for (k in kv) { split(kv[k], p, "="); if (p[1] == "oss.free") free = p[2]; if (p[1] == "oss.space") total = p[2] }
      reserve = total * pct / 100; if (reserve < floor) reserve = floor
      room[t] = free - reserve
      file = dir "/target." t
      while ((getline entry < file) > 0) { s = entry; sub(/ .*/, "", s); path = substr(entry, length(s) + 2); where[path] = t; size[path] = s }
    }
  }
  {
    s = $1; path = substr($0, length(s) + 2)
    if (path in where) { print (size[path] == s ? "verify " : "conflict ") where[path] " " s; print path; next }
    best = 0
    for (t = 1; t <= n; t++) if (best == 0 || room[t] > room[best]) best = t
    if (best == 0 || room[best] < s) { print "nospace " best " " s; print path; next }
    room[best] -= s
    print "copy " best " " s; print path
  }' > "$work/plan"

count() { awk -v a="$1" 'NR % 2 == 1 && $1 == a { n++ } END { print n + 0 }' "$work/plan"; }
examples() { awk -v a="$1" 'NR % 2 == 1 { take = ($1 == a) ; next } take && n < 3 { printf "%s%s", (n++ ? ", " : ""), $0 }' "$work/plan"; }
if [ "$(count conflict)" -gt 0 ]; then
  stop ${DRAIN_REFUSED} "refused: $(count conflict) names exist on a remaining data server with another size, e.g. $(examples conflict); nothing was copied"
fi
if [ "$(count nospace)" -gt 0 ]; then
  need=$(awk 'NR % 2 == 1 && ($1 == "copy" || $1 == "nospace") { s += $3 } END { printf "%.0f", s }' "$work/plan")
  stop ${DRAIN_REFUSED} "refused: too little space: $need bytes to copy, and the remaining data servers have room for $(count copy) of the $(($(count copy) + $(count nospace))) files (each keeps the larger of $reserve_percent% and $reserve_bytes bytes free); nothing was copied"
fi

total_files=$((($(grep -c '' "$work/plan")) / 2))
total_bytes=$(awk 'NR % 2 == 1 { s += $3 } END { printf "%.0f", s }' "$work/plan")
say "plan: $total_files files, $total_bytes bytes on $source: $(count copy) to copy, $(count verify) already there to compare"
files=0; bytes=0; copied=0; verified=0
say "progress files=0/$total_files bytes=0/$total_bytes"
while IFS=' ' read -r action index size && IFS= read -r path; do
  target=$(sed -n "$index p" "$work/targets")
  if [ "$action" = verify ]; then
    want=$(xrdfs "$scheme://$source" query checksum "$path" 2>&1) || stop 69 "cannot read the checksum of $path on $source: $want"
    have=$(xrdfs "$scheme://$target" query checksum "$path" 2>&1) || stop 69 "cannot read the checksum of $path on $target: $have"
    [ "$want" = "$have" ] || stop ${DRAIN_REFUSED} "refused: $path on $target has the size of the one on $source but another checksum ($have, not $want)"
    verified=$((verified + 1))
  else
    partial="$(dirname -- "$path")/.$(basename -- "$path")${DRAIN_PARTIAL_SUFFIX}"
    out=$(xrdcp --nopbar --force --path --cksum ${CHECKSUM}:source "$scheme://$source/$path" "$scheme://$target/$partial" 2>&1) \
      || stop 69 "copying $path from $source to $target failed: $out"
    # A file of that name written meanwhile is not overwritten.
    if xrdfs "$scheme://$target" stat "$path" > /dev/null 2>&1; then
      xrdfs "$scheme://$target" rm "$partial" > /dev/null 2>&1
      stop ${DRAIN_REFUSED} "refused: $path appeared on $target while it was being copied there"
    fi
    out=$(xrdfs "$scheme://$target" mv "$partial" "$path" 2>&1) || stop 69 "renaming the copy of $path on $target failed: $out"
    copied=$((copied + 1))
  fi
  # The cms protocol cannot carry a name with a space: the managers never hear of the new copy and
  # would keep sending clients to the server being drained. Asked to look again (locate -r), they do.
  case "$path" in *[[:space:]]*) for manager in $redirectors; do xrdfs "$scheme://$manager" locate -r "$path" > /dev/null 2>&1 || true; done ;; esac
  files=$((files + 1)); bytes=$((bytes + size))
  say "progress files=$files/$total_files bytes=$bytes/$total_bytes"
done < "$work/plan"
summary="drained $source: $total_files files, $total_bytes bytes: $copied copied, $verified already there with the same ${CHECKSUM}"
say "$summary"
if [ -w /dev/termination-log ]; then printf '%s\n' "$summary" > /dev/termination-log; fi
`;

/** A batch/v1 Job, as the API takes it (the agent applies it; cdk8s' types would make quantities objects). */
export interface DrainJob {
  readonly apiVersion: 'batch/v1';
  readonly kind: 'Job';
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
  };
  readonly spec: Record<string, unknown>;
}

/** `host:port` of a data server, by its per-pod DNS name. */
const address = (model: ClusterModel, ordinal: number): string => `${model.names.podHost('worker', ordinal)}:${model.spec.xrootd.port}`;

/** The Job that drains one data server. Its name carries a digest of what it does, so a changed plan is a new Job. */
export function drainJob(model: ClusterModel, props: DrainJobDecision): DrainJob {
  const { spec, space } = model;
  const tls = spec.security.tls;
  const token = spec.worker.drainToken;
  const targets = props.targets.map((o) => address(model, o)).join(' ');
  const env: Record<string, string> = {
    [DRAIN_ENV.source]: address(model, props.ordinal),
    [DRAIN_ENV.targets]: targets,
    [DRAIN_ENV.exports]: spec.xrootd.exports.filter((e) => !e.readOnly).map((e) => e.path).join(' '),
    [DRAIN_ENV.readOnlyExports]: spec.xrootd.exports.filter((e) => e.readOnly).map((e) => e.path).join(' '),
    [DRAIN_ENV.reservePercent]: String(space.highWaterPercent ?? 0),
    [DRAIN_ENV.reserveBytes]: String(space.highWaterKiB * 1024),
    ...(tls ? { [DRAIN_ENV.scheme]: 'roots', [DRAIN_ENV.caFile]: `${DRAIN_CA_DIR}/ca.crt` } : {}),
    // XrdCl's ztn login reads the token from this file at each connection.
    ...(token ? { BEARER_TOKEN_FILE: `${DRAIN_TOKEN_DIR}/token` } : {}),
    [DRAIN_ENV.redirectors]: Array.from({ length: model.topology.redirectors }, (_, i) => `${model.names.podHost('redirector', i)}:${spec.xrootd.port}`).join(' '),
  };
  const labels = { ...clusterLabels(model.name, model.release.version), 'app.kubernetes.io/component': 'drain', [DRAIN_ORDINAL_LABEL]: String(props.ordinal) };
  const container = {
    name: DRAIN_CONTAINER,
    image: model.image,
    imagePullPolicy: spec.imagePullPolicy,
    command: ['/bin/sh', '-c', DRAIN_SCRIPT, 'drain'],
    env: Object.entries(env).map(([name, value]) => ({ name, value })),
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    // The summary or the refusal, for the agent to report.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: [
      { name: 'tmp', mountPath: '/tmp' },
      ...(tls ? [{ name: 'tls-ca', mountPath: DRAIN_CA_DIR, readOnly: true }] : []),
      ...(token ? [{ name: 'token', mountPath: DRAIN_TOKEN_DIR, readOnly: true }] : []),
    ],
    securityContext: containerSecurity,
  };
  const digest = createHash('sha256').update(JSON.stringify([container, targets])).digest('hex').slice(0, DRAIN_DIGEST_CHARS);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: model.names.drainJob(props.ordinal, digest),
      namespace: model.namespace,
      labels,
      annotations: { [DRAIN_TARGETS_ANNOTATION]: props.targets.join(','), [DRAIN_GENERATION_ANNOTATION]: String(props.generation) },
    },
    spec: {
      // Lost connections are tried again (the copy resumes); a refusal is final.
      backoffLimit: 4,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: DRAIN_CONTAINER, operator: 'In', values: [DRAIN_USAGE, DRAIN_REFUSED] } }] },
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsNonRoot: true, runAsUser: spec.security.runAsUser, runAsGroup: spec.security.runAsGroup, seccompProfile: { type: 'RuntimeDefault' } },
          imagePullSecrets: spec.imagePullSecrets.length ? spec.imagePullSecrets.map((name) => ({ name })) : undefined,
          containers: [container],
          volumes: [
            { name: 'tmp', emptyDir: {} },
            // Only the CA of the TLS Secret: the Job has no use for the servers' key.
            ...(tls ? [{ name: 'tls-ca', secret: { secretName: tls.secretName, items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } }] : []),
            // XrdCl refuses a token file others may read: only the Job's user reads it.
            ...(token ? [{ name: 'token', secret: { secretName: token.secretName, items: [{ key: token.key, path: 'token', mode: 0o400 }] } }] : []),
          ],
          nodeSelector: spec.scheduling.nodeSelector && Object.keys(spec.scheduling.nodeSelector).length
            ? spec.scheduling.nodeSelector
            : undefined,
          tolerations: spec.scheduling.tolerations,
        },
      },
    },
  };
}

/**
 * Connection settings from a kubeconfig or the in-cluster service account.
 * The common cases (token, token file, client certificate, in cluster) are read
 * here directly: loading client-node costs the agent about 84 MB of memory for
 * its generated API models. Anything else (exec plugins, OIDC, auth providers)
 * is handed to client-node's KubeConfig, loaded only then.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface Connection {
  readonly server: URL;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly insecure?: boolean;
  /** Request headers with credentials; called again to pick up rotated tokens. */
  headers(): Promise<Record<string, string>>;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface NamedCluster { name: string; cluster: { server: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean } }
interface NamedUser { name: string; user: { token?: string; tokenFile?: string; 'client-certificate'?: string; 'client-certificate-data'?: string; 'client-key'?: string; 'client-key-data'?: string; [k: string]: unknown } }
interface KubeconfigFile { 'current-context'?: string; contexts?: { name: string; context: { cluster: string; user: string } }[]; clusters?: NamedCluster[]; users?: NamedUser[] }

const fileOrData = (file?: string, data?: string): Buffer | undefined =>
  data ? Buffer.from(data, 'base64') : file ? readFileSync(file) : undefined;

export function inCluster(): Connection {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new Error('not in a cluster: KUBERNETES_SERVICE_HOST is not set');
  return {
    server: new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}`),
    ca: readFileSync(join(SA_DIR, 'ca.crt')),
    // Projected tokens rotate: read the file each time credentials are refreshed.
    headers: async () => ({ Authorization: `Bearer ${readFileSync(join(SA_DIR, 'token'), 'utf8').trim()}` }),
  };
}

export function fromKubeconfig(path: string): Connection {
  const config = parse(readFileSync(path, 'utf8')) as KubeconfigFile;
  const contextName = config['current-context'];
  const context = config.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw new Error(`${path}: no current context`);
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const user = config.users?.find((u) => u.name === context.user)?.user ?? {};
  if (!cluster) throw new Error(`${path}: context ${contextName} names a missing cluster ${context.cluster}`);
  const simple = Object.keys(user).every((k) => ['token', 'tokenFile', 'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data'].includes(k));
  const base = {
    server: new URL(cluster.server),
    ca: fileOrData(cluster['certificate-authority'], cluster['certificate-authority-data']),
    insecure: cluster['insecure-skip-tls-verify'] === true,
  };
  if (!simple) return { ...base, ...viaClientNode(path) };
  return {
    ...base,
    cert: fileOrData(user['client-certificate'], user['client-certificate-data']),
    key: fileOrData(user['client-key'], user['client-key-data']),
    headers: async (): Promise<Record<string, string>> => {
      const token = user.token ?? (user.tokenFile ? readFileSync(user.tokenFile, 'utf8').trim() : undefined);
      return token ? { Authorization: `Bearer ${token}` } : {};
    },
  };
}

/** Exec plugins, OIDC and auth providers: client-node knows them all. */
function viaClientNode(path: string): Pick<Connection, 'headers' | 'cert' | 'key'> {
  return {
    headers: async () => {
      const { KubeConfig } = await import('@kubernetes/client-node');
      const kc = new KubeConfig();
      kc.loadFromFile(path);
      const opts: { headers?: Record<string, string> } = {};
      await kc.applyToHTTPSOptions(opts);
      return { ...(opts.headers ?? {}) };
    },
  };
}

/** In the cluster when no kubeconfig is given and KUBERNETES_SERVICE_HOST is set; else the file, $KUBECONFIG, ~/.kube/config. */
export function loadConnection(kubeconfig?: string): Connection {
  if (kubeconfig) return fromKubeconfig(kubeconfig);
  if (process.env.KUBERNETES_SERVICE_HOST) return inCluster();
  return fromKubeconfig(process.env.KUBECONFIG?.split(':')[0] || join(homedir(), '.kube', 'config'));
}

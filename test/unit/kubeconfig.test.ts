import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { fromKubeconfig } from '../../src/kube/kubeconfig.js';

describe('kubeconfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, user: Record<string, unknown>): string => {
    const path = join(dir, name);
    writeFileSync(path, stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
      clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': Buffer.from('CA').toString('base64') } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    }));
    return path;
  };

  test('token, token file and client certificates are read directly', async () => {
    const token = fromKubeconfig(write('token', { token: 't0k' }));
    expect(token.server.href).toBe('https://127.0.0.1:6443/');
    expect(token.ca?.toString()).toBe('CA');
    expect(await token.headers()).toEqual({ Authorization: 'Bearer t0k' });
    writeFileSync(join(dir, 'tokenfile'), 'rotated\n');
    expect(await fromKubeconfig(write('tf', { tokenFile: join(dir, 'tokenfile') })).headers()).toEqual({ Authorization: 'Bearer rotated' });
    const cert = fromKubeconfig(write('cert', { 'client-certificate-data': Buffer.from('CERT').toString('base64'), 'client-key-data': Buffer.from('KEY').toString('base64') }));
    expect([cert.cert?.toString(), cert.key?.toString()]).toEqual(['CERT', 'KEY']);
  });

  test('an exec credential plugin goes through client-node, which runs it', async () => {
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-exec' } });
    const path = write('exec', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', `echo '${credential}'`], interactiveMode: 'Never' } });
    expect(await fromKubeconfig(path).headers()).toEqual({ Authorization: 'Bearer from-exec' });
  });

  test('a context naming a missing cluster is an error that says so', () => {
    const path = join(dir, 'broken');
    writeFileSync(path, stringify({ 'current-context': 'c', contexts: [{ name: 'c', context: { cluster: 'nope', user: 'u' } }] }));
    expect(() => fromKubeconfig(path)).toThrow('context c names a missing cluster nope');
  });
});

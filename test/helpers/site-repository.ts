/**
 * A site's GitOps repository as its CI commits it, served by git's http-backend: the folders the
 * examples' Argo CD Applications and Flux Kustomizations name (dist/crds, dist/agent, dist/minimal,
 * examples/kustomize/platform, examples/resources/minimal.yaml).
 */
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { App, Chart } from 'cdk8s';
import { stringify } from 'yaml';
import { XrootdCluster } from '../../constructs/index.js';
import { minimal as minimalProps } from '../../examples/clusters.js';
import { GitRepo, GitServer } from './git-server.js';
import { repoRoot } from './repo.js';

export class SiteRepository {
  private constructor(private readonly server: GitServer, private readonly repo: GitRepo) {}

  static async start(): Promise<SiteRepository> {
    const server = await GitServer.start();
    return new SiteRepository(server, new GitRepo(server, 'site'));
  }

  get url(): string { return this.server.url('site'); }

  /**
   * Commits the folders with `minimal` as examples/resources/minimal.yaml and, when `distVersion` is
   * given, dist/minimal as `npx cdk8s synth` writes it for that version; returns the commit id.
   */
  commit(message: string, minimal: Record<string, unknown>, distVersion?: string): string {
    for (const folder of ['dist/crds', 'dist/agent', 'dist/minimal', 'examples/kustomize/platform']) {
      mkdirSync(join(this.repo.work, folder), { recursive: true });
      cpSync(join(repoRoot(), folder), join(this.repo.work, folder), { recursive: true });
    }
    if (distVersion) {
      const app = new App();
      new XrootdCluster(new Chart(app, 'minimal'), 'cluster', { ...minimalProps, version: distVersion });
      this.repo.write('dist/minimal/minimal.k8s.yaml', app.synthYaml());
    }
    this.repo.write('examples/resources/minimal.yaml', stringify(minimal));
    return this.repo.commit(message);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    this.repo.cleanup();
  }
}

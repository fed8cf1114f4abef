/**
 * Before the StatefulSets are applied: takes over the volumes of spec.worker.storage.adoptClaims,
 * grows the data volumes a raised capacity asks for (re-creating their StatefulSet around its
 * pods), and refuses what cannot be done (see ../volume-expansion.ts, ../volume-adoption.ts).
 */
import { claimLabels } from '../../../constructs/index.js';
import type { KubeObject } from '../../kube/kinds.js';
import type { StatefulSetWithClaims } from '../views.js';
import type { ClusterContext } from './context.js';
import type { Plan } from './plan.js';

export const statefulSetsWithClaims = (objects: readonly KubeObject[]): StatefulSetWithClaims[] =>
  objects.filter((o): o is StatefulSetWithClaims => o.kind === 'StatefulSet' && !!(o as StatefulSetWithClaims).spec?.volumeClaimTemplates?.length);

export async function prepareVolumes(ctx: ClusterContext, plan: Plan): Promise<void> {
  const { cr, key } = ctx;
  const pattern = plan.model.spec.worker.storage.adoptClaims;
  const withClaims = statefulSetsWithClaims(plan.objects);
  const worker = withClaims[0];
  if (pattern && worker) {
    await ctx.deps.adopter.adopt(worker, pattern, ctx.claims(), claimLabels(cr.metadata.name, 'worker'), async (a) => {
      ctx.log.info('adopted a volume', { cluster: key, ...a });
      await ctx.event('Normal', 'AdoptedVolume', `${a.claim} binds PersistentVolume ${a.volume}, the volume of ${a.from} (reclaim policy Retain); `
        + `${a.from} is kept, unbound: delete it when the data server serves its files`);
    });
  }
  const step = await ctx.deps.expander.prepare(
    withClaims,
    (name) => ctx.liveStatefulSet(name) as StatefulSetWithClaims | undefined,
    ctx.claims(),
  );
  if (step.grown.length) ctx.log.info('growing data volumes', { cluster: key, claims: step.grown });
  if (step.recreated) {
    const { statefulSet, from, to } = step.recreated;
    ctx.log.info('re-creating a StatefulSet around its pods for a larger claim template', { cluster: key, statefulSet, from, to });
    await ctx.event('Normal', 'ExpandingVolumes', `data volumes of ${statefulSet} grow from ${from} to ${to}: `
      + `${step.grown.length} claims asked for more, the StatefulSet re-created around its running pods`);
  }
}

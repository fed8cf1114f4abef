/**
 * What the project's own CLI, agent and collector use of the library beyond its public API
 * (index.ts): the spec's schema and its resolver, and names the rendered objects share with the
 * agent that reads them back. Not for library users: it may change in any release.
 */
export { ALERTS, type AlertDefinition } from './alerts.js';
export type { ObjectField, StringField } from './api/dsl.js';
export { generatedFiles } from './api/generated-files.js';
export { xrootdSpecSchema } from './api/schema.js';
export { xrootdVersionSpecSchema } from './api/resources.js';
export { gitSourceSpecSchema } from './api/git-source.js';
export { applySchema, isPlainObject } from './api/validate.js';
export { DRAIN_GENERATION_ANNOTATION, DRAIN_ORDINAL_LABEL, DRAIN_TARGETS_ANNOTATION, DRAINED_AT_ANNOTATION, parseDrainProgress, type DrainProgress } from './drain.js';
export { DATA_VOLUME } from './pod-template.js';
export { quantityBytes } from './quantity.js';
export { podsWithOwnService } from './topology.js';

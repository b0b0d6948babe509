// meshplane's own Policy resource: the model and its validation, attachment to App Mesh resources (targetRef),
// precedence, and the service behind /v1/meshes/{mesh}/policies. Translation (functions/xds/translate) reads the
// effective policies through the index below; the gateway only ever sees their Envoy form.
export { createPolicyService } from "./policy-service.js";
export type { ListPoliciesQuery, PolicyService, PolicyServiceConfig } from "./policy-service.js";
export type { PolicyData, PolicyRef, PolicyDocument } from "./render.js";
export { policyTypes, envoyPatchResources } from "./model/policy-model.js";
export type * from "./model/policy-model.js";
export type { EnvoyPatchChecker } from "./policy-rules.js";
export { attachableKinds, targetKinds } from "./attachment.js";
export type { TargetKind, PolicyTarget } from "./attachment.js";

// For translation (functions/xds/translate) and the policy API (functions/api).
export { createPolicyIndex } from "./precedence.js";
export { backendReferences } from "./backend-refs.js";
export type { AttachedPolicy, PolicyIndex } from "./precedence.js";

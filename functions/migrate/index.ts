// Bringing meshes in and out, without I/O (so that the console can run it in a browser too): input formats
// (CloudFormation and CDK templates, App Mesh controller manifests, meshplane's export) → the App Mesh
// resources they want; the planner (what exists vs what is wanted → ordered changes); and exports back to
// each format.
//
// @example
// const inputs = loadInputs([{ name: "mesh.yaml", text }], settings);
// const { resources } = inputs.resolve(lookupIn(state));
// const plan = planChanges(resources, state, { prune: false });
// process.stdout.write(renderPlanText(plan));
export { loadInputs, detectFormat } from "./inputs.js";
export type { InputFile, ImportSettings, InputFormat, LoadedInputs } from "./inputs.js";
export { MigrateError, formatLocation } from "./migrate-error.js";
export type { SourceLocation } from "./migrate-error.js";
export type { Notice } from "./notice.js";
export { apiListMembers, apiNameMembers, apiOperation, applyTier, compareForApply, describeResource, resourceKey } from "./resource.js";
export type { ExistingLookup, ExistingResource, ResourceIdentity, ResourceKind, Tag, WantedResource } from "./resource.js";
export { applyWaves, lookupIn, planChanges, summarizePlan, touchedMeshes } from "./planner/plan.js";
export type { ChangeAction, CurrentResource, CurrentState, Plan, PlannedChange, PlanOptions, TagChanges } from "./planner/plan.js";
export { diffSpecs, normalizeSpec, specsEqual } from "./planner/spec-diff.js";
export type { FieldChange } from "./planner/spec-diff.js";
export { planSummaryLine, planToJson, renderPlanText } from "./planner/render.js";
export type { CloudFormationOptions } from "./cloudformation/import.js";
export type { KubernetesOptions } from "./kubernetes/import.js";
export { toCloudFormationTemplate } from "./cloudformation/export.js";
export { toKubernetesManifests } from "./kubernetes/export.js";
export type { ExportedResource } from "./kubernetes/export.js";
export { toMeshplaneExport } from "./meshplane/format.js";
export { Origins, parseSourceFile } from "./source.js";
export { isPolicyDocument, parseFieldPath, resolvePolicies, toExportedPolicy, type WantedPolicy } from "./meshplane/policies.js";

// For tests and tools of this repository; not part of the user API.
export { cloudFormationPropertyNames } from "./cloudformation/property-names.js";
export { kubernetesRenames } from "./kubernetes/field-names.js";
export { containsPending } from "./cloudformation/import.js";

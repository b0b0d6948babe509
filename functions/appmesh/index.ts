// The App Mesh domain: resource kinds, model-driven validation, ARNs, errors and service semantics.
// Free of HTTP and SQL: it talks to persistence only through the db/ Store contract.
export { createAppMeshService } from "./service.js";
export type { AppMeshService, AppMeshServiceConfig } from "./service.js";
export { AppMeshError, appMeshErrorStatus } from "./errors.js";
export type { WriteAudit, WriteContext } from "./commit-retry.js";
export type { AppMeshErrorName } from "./errors.js";
export { defaultQuotas, quotasFromEnv, quotaVariable } from "./quotas.js";
export type { Quotas, QuotaName } from "./quotas.js";
export { kindDescriptors, resourceKinds } from "./kinds.js";
export type { KindDescriptor, KindNames, KindSpec, ResourceKind, SpecShapeName } from "./kinds.js";
export { parseArn, toArn } from "./arn.js";
export { operationNames as appMeshOperationNames, operations as appMeshOperations, shapes as appMeshShapes } from "./model/model.generated.js";
export type { ModelMember, ModelOperation, ModelShape } from "./model/model.generated.js";
export type { AppMeshOperationName, AppMeshOperations } from "./model/operations.generated.js";
export type { AppMeshShapeName, AppMeshShapeTypes } from "./model/types.generated.js";
export { validateOperationInput, validateShape } from "./validation.js";
export type { RegexChecker, UnservableSpecCode, UnservableSpecWarning } from "./spec-rules.js";
export { acceptedUnservableSpecs } from "./spec-rules.js";
export { acmReferencesOf, loadMeshSnapshot, toEndpointInstance } from "./snapshot-loader.js";
export type { AcmReferences, SnapshotLoadOptions } from "./snapshot-loader.js";
export { applyMeshChanges, updateMeshSnapshot } from "./snapshot-updates.js";
export type { MeshSnapshotUpdate } from "./snapshot-updates.js";
export type { MeshSnapshot, MeshTlsMaterial, EndpointInstance } from "./snapshot.js";

// For meshplane's own resources (functions/policies), which share the write path, tags, cursors and errors.
export { createCommitWithRetry } from "./commit-retry.js";
export type { CommitWithRetry } from "./commit-retry.js";
export { commitIdempotent, createIdempotency } from "./idempotency.js";
export type { Idempotency } from "./idempotency.js";
export { checkTagList, maxTagsPerResource } from "./tagging.js";
export { decodeNextToken, encodeNextToken } from "./pagination.js";
export { meshScope, toChangeEntry } from "./scopes.js";
export { resourcePath } from "./arn.js";
export { ATTACHMENT_REF_KIND, attachmentRef } from "./attachments.js";
export { POLICY_KIND } from "./snapshot-loader.js";
export type { StoredPolicy } from "./snapshot.js";

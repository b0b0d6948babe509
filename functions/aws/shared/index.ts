// What every AWS-compatible API of meshplane shares, the App Mesh API included: validation driven by a botocore
// model, the error of the stand-ins and the one place it is rendered, the JSON 1.1 protocol, list tokens, and the
// guarded write loop of docs/architecture.md §4.
export { createShapeValidator, joinPath } from "./shape-validator.js";
export type { ShapeValidator } from "./shape-validator.js";
export type { ModelMember, ModelOperation, ModelShape, ServiceModel } from "./model.js";
export { AwsServiceError, createErrorFactory, protocolError } from "./aws-error.js";
export { createJsonProtocolApp, createJsonService, renderAwsError, JSON_1_1 } from "./json-protocol-app.js";
export type { HandlerSet, JsonProtocolOptions, JsonService, OperationHandler, TypedHandlers } from "./json-protocol-app.js";
export { mergeTags, removeTagKeys, tagUid } from "./resource-tags.js";
export type { StandInContext } from "./stand-in-context.js";
export { decodeKeyPageToken, decodePageToken, encodePageToken } from "./page-token.js";
export { readFilteredPage } from "./filtered-page.js";
export type { FilteredPage } from "./filtered-page.js";
export { createCommitWithRetry } from "./commit-retry.js";
export type { CommitRetryOptions, CommitWithRetry, WriteAudit, WriteContext, WriteDecision } from "./commit-retry.js";
export { setWriteAudit, writeContextOf } from "./write-context.js";
export { createKeyedMutex } from "./keyed-mutex.js";
export type { KeyedMutex } from "./keyed-mutex.js";
export { createPlainKeyVault, createRefusingKeyVault, createSealingKeyVault } from "./key-vault.js";
export type { KeyVault } from "./key-vault.js";

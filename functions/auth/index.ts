// meshplane's own IAM: SigV4 verification, IAM-style policies, principals and keys, rate limits, the audit log,
// and Envoy proxy authorization for ADS. Other folders import this folder through this file only.
export { createApiAuth, anonymousPrincipal } from "./middleware.js";
export type { ApiAuth, ApiAuthOptions } from "./middleware.js";
export { policyActions } from "./operations.js";
export type { PolicyAction } from "./operations.js";
export { createAdsAuthorizer, grpcStatus, ADS_METHOD_PATH } from "./ads-authorizer.js";
export { createAdsAdmission } from "./ads-admission.js";
export { createAdsAuditObserver } from "./ads-audit-observer.js";
export type { AdsAuditObserverOptions } from "./ads-audit-observer.js";
export type { AdsAuthorizer, StreamAuthorization, StreamHeaders, StreamContext } from "./ads-authorizer.js";
export { authConfigFromEnv, checkSecureByDefault, isLoopbackHost } from "./config.js";
export type { AuthConfig } from "./config.js";
export { createAdminRoutes } from "./admin-routes.js";
export { createAuditLog } from "./audit.js";
export type { AuditLog } from "./audit.js";
export { managedPolicies, evaluatePolicies, validatePolicy } from "./policy.js";
export type { PolicyDocument, PolicyStatement, ManagedPolicyName } from "./policy.js";
export { MutablePrincipalDirectory, parseAuthFile } from "./principals.js";
export type { Principal, PrincipalDirectory, AuthFile } from "./principals.js";
export { createSecretBox, importSecretKey, sealSecret, openSecret } from "./secret-box.js";
export { generateAccessKey } from "./managed-keys.js";
export { createConsoleSessions, CSRF_HEADER, SESSION_COOKIE, SECURE_SESSION_COOKIE, DEFAULT_SESSION_TTL_MS } from "./console-sessions.js";
export type { ConsoleSessions, ConsoleSessionsOptions, SessionInfo } from "./console-sessions.js";
export { AuthError, renderAuthError } from "./auth-error.js";
export { sourceAddressOf } from "./middleware.js";

// Resources other resources attach to without being App Mesh references: meshplane's policies name their target
// (a mesh, virtual node, virtual gateway, route or gateway route) with a reference of this kind, keyed by the
// target's ARN path, so that deleting a target that still has policies is refused like any in-use resource.
import type { ResourceKey, ResourceRef } from "../../db/store.js";
import { resourcePath } from "./arn.js";

export const ATTACHMENT_REF_KIND = "attachment";

/** The reference an attached resource stores for its target. */
export const attachmentRef = (target: ResourceKey): ResourceRef => ({ toKind: ATTACHMENT_REF_KIND, toName: resourcePath(target) });

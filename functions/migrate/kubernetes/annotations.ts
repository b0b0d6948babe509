// meshplane's annotations on App Mesh controller objects: the controller's CRDs have no tags, so an export to
// Kubernetes keeps each resource's App Mesh tags in an annotation (a route's in its router's), and an import
// reads them back. Objects without the annotation leave their resource's tags as they are.
import { MigrateError } from "../migrate-error.js";
import type { Tag } from "../resource.js";
import type { KubernetesObject } from "./objects.js";

export const tagsAnnotation = "meshplane/tags";
export const routeTagsAnnotation = "meshplane/route-tags";

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function parseJsonAnnotation(text: string, object: KubernetesObject, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MigrateError(`annotation ${name} is not JSON`, object.location);
  }
}

function checkTags(value: unknown, object: KubernetesObject, name: string): Tag[] {
  if (!Array.isArray(value) || !value.every((tag) => isObject(tag) && typeof tag.key === "string" && typeof tag.value === "string")) {
    throw new MigrateError(`annotation ${name} must be a JSON list of {"key","value"}`, object.location);
  }
  return value.map((tag) => ({ key: tag.key as string, value: tag.value as string }));
}

export function parseTags(text: string | undefined, object: KubernetesObject): Tag[] | undefined {
  return text === undefined ? undefined : checkTags(parseJsonAnnotation(text, object, tagsAnnotation), object, tagsAnnotation);
}

export function parseRouteTags(text: string | undefined, object: KubernetesObject): Record<string, Tag[]> | undefined {
  if (text === undefined) return undefined;
  const value = parseJsonAnnotation(text, object, routeTagsAnnotation);
  if (!isObject(value)) throw new MigrateError(`annotation ${routeTagsAnnotation} must be a JSON object of route name → tags`, object.location);
  return Object.fromEntries(Object.entries(value).map(([route, tags]) => [route, checkTags(tags, object, routeTagsAnnotation)]));
}

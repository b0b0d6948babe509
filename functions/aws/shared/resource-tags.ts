// Tags of the AWS stand-ins' resources, kept in the store's `tags` table under a uid naming the resource by service,
// kind and id (App Mesh's rows use UUIDs, so the two never meet), in the order they were first added.
import type { AwsResourceKey, TagRow } from "../../../db/store.js";

/** The `tags` uid of a stand-in resource: `servicediscovery:namespace/ns-…`, `acm:certificate/<uuid>`, … */
export const tagUid = (key: AwsResourceKey): string => `${key.service}:${key.kind}/${key.id}`;

/** `current` with `added` applied: a new key is appended, an existing one takes the new value in place. */
export function mergeTags(current: readonly TagRow[], added: ReadonlyArray<{ key: string; value: string }>): TagRow[] {
  const merged = current.map((tag) => ({ ...tag }));
  for (const tag of added) {
    const existing = merged.find((candidate) => candidate.key === tag.key);
    if (existing) existing.value = tag.value;
    else merged.push({ key: tag.key, value: tag.value });
  }
  return merged;
}

/** `current` without the given keys (a key it lacks is no error, as in AWS). */
export function removeTagKeys(current: readonly TagRow[], keys: readonly string[]): TagRow[] {
  const removed = new Set(keys);
  return current.filter((tag) => !removed.has(tag.key));
}

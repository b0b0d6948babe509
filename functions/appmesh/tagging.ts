// Tags on App Mesh resources: the tag-list rules (unique keys, at most 50 per resource) and the three tagging
// operations, which find their resource by ARN and change its tags under the mesh's scope.
import type { ResourceRow, Store, TagRow } from "../../db/store.js";
import { parseArn } from "./arn.js";
import type { CommitWithRetry, WriteContext } from "./commit-retry.js";
import { AppMeshError, badRequest, notFound } from "./errors.js";
import type { AppMeshOperations } from "./model/operations.generated.js";
import type { TagRef } from "./model/types.generated.js";
import { decodeNextToken, encodeNextToken } from "./pagination.js";
import { meshScope, toChangeEntry } from "./scopes.js";

type TaggingOperation = "TagResource" | "UntagResource" | "ListTagsForResource";

/** The tagging operations, typed by the operation map. */
export type TaggingOperations = {
  [Operation in TaggingOperation]: (input: AppMeshOperations[Operation]["input"], context?: WriteContext) => Promise<AppMeshOperations[Operation]["body"]>;
};

export const maxTagsPerResource = 50;

const tooManyTags = (detail: string) => new AppMeshError("TooManyTagsException", `A resource may have at most ${maxTagsPerResource} tags; ${detail}.`);

/**
 * Refuses an input carrying more tags than a resource may have, before model validation would call it a bad
 * request: App Mesh answers TooManyTagsException for it.
 */
export function checkTagCount(rawInput: Readonly<Record<string, unknown>>): void {
  if (Array.isArray(rawInput.tags) && rawInput.tags.length > maxTagsPerResource) throw tooManyTags(`got ${rawInput.tags.length}`);
}

/** Tag keys must be unique within one list. */
export function checkTagList(tags: readonly TagRef[] | undefined, path: string): void {
  if (!tags) return;
  const keys = new Set<string>();
  for (const [index, tag] of tags.entries()) {
    if (keys.has(tag.key)) throw badRequest(`'${path}[${index}].key' repeats tag key "${tag.key}"; tag keys must be unique.`);
    keys.add(tag.key);
  }
}

export function createTaggingOperations(store: Store, options: { commit: CommitWithRetry; now: () => number }): TaggingOperations {
  async function requireTaggable(arn: string): Promise<ResourceRow> {
    const parsed = parseArn(arn);
    if (!parsed) throw badRequest(`resourceArn ${arn} is not an App Mesh resource ARN.`);
    const row = await store.getResourceByArn(arn);
    if (!row) throw notFound(`The resource ${arn} was not found.`);
    return row;
  }

  async function changeTags(resourceArn: string, change: (current: TagRow[]) => TagRow[], context: WriteContext | undefined): Promise<Record<string, never>> {
    const target = await requireTaggable(resourceArn);
    const scope = meshScope(target.meshName);
    return options.commit(
      [scope],
      async () => {
        const row = await requireTaggable(resourceArn);
        const tags = change(await store.getTags(row.uid));
        return { batch: { expect: [], setTags: [{ uid: row.uid, tags }], changes: [toChangeEntry(scope, "tag", row, options.now())] }, response: {} };
      },
      context,
    );
  }

  return {
    async TagResource(input, context) {
      const added = input.tags;
      checkTagList(added, "tags");
      return changeTags(input.resourceArn, (current) => {
        const merged = current.map((tag) => added.find((a) => a.key === tag.key) ?? tag);
        for (const tag of added) if (!current.some((c) => c.key === tag.key)) merged.push(tag);
        if (merged.length > maxTagsPerResource) throw tooManyTags(`this request would make ${merged.length}`);
        return merged;
      }, context);
    },

    async UntagResource(input, context) {
      const removed = new Set(input.tagKeys);
      return changeTags(input.resourceArn, (current) => current.filter((tag) => !removed.has(tag.key)), context);
    },

    async ListTagsForResource(input) {
      const row = await requireTaggable(input.resourceArn);
      const collection = `tags/${row.uid}`;
      const offset = decodeNextToken(collection, input.nextToken);
      const limit = input.limit ?? 100;
      const tags = await store.getTags(row.uid);
      const page = tags.slice(offset, offset + limit);
      return offset + limit < tags.length ? { tags: page, nextToken: encodeNextToken(collection, offset + limit) } : { tags: page };
    },
  };
}

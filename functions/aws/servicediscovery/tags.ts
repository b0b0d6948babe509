// Tags of Cloud Map namespaces and services, by ARN (TagResource, UntagResource, ListTagsForResource).
import type { AwsResourceKey, TagRow } from "../../../db/store.js";
import { mergeTags, removeTagKeys, tagUid, type HandlerSet, type StandInContext, type WriteContext } from "../shared/index.js";
import { cloudMapError } from "./errors.js";
import type { ServiceDiscoveryOperations } from "./model/operations.generated.js";
import type { Tag } from "./model/types.generated.js";
import { namespaceKey, scopes, serviceKey } from "./records.js";

type Ops = ServiceDiscoveryOperations;

/** Cloud Map's limit of tags per resource. */
export const MAX_TAGS = 50;

export const toTagRows = (tags: readonly Tag[]): TagRow[] => mergeTags([], tags.map((tag) => ({ key: tag.Key, value: tag.Value })));
const toTags = (rows: readonly TagRow[]): Tag[] => rows.map((row) => ({ Key: row.key, Value: row.value }));

/** The resource an ARN names, with the scope its writes are guarded by. */
async function resolve(context: StandInContext, arn: string): Promise<{ key: AwsResourceKey; scope: string }> {
  const prefix = `arn:aws:servicediscovery:${context.region}:${context.accountId}:`;
  const [kind, id] = arn.startsWith(prefix) ? arn.slice(prefix.length).split("/", 2) : [];
  const key = kind === "namespace" && id ? namespaceKey(id) : kind === "service" && id ? serviceKey(id) : undefined;
  if (!key || !(await context.store.getAwsResource(key))) throw cloudMapError("ResourceNotFoundException", `No namespace or service has the ARN ${arn}.`);
  return { key, scope: kind === "namespace" ? scopes.namespace(key.id) : scopes.service(key.id) };
}

export function tagHandlers(context: StandInContext) {
  async function retag(arn: string, change: (current: TagRow[]) => TagRow[], write: WriteContext): Promise<Record<string, never>> {
    const { key, scope } = await resolve(context, arn);
    return context.commit([scope], async () => {
      await resolve(context, arn);
      const tags = change(await context.store.getTags(tagUid(key)));
      if (tags.length > MAX_TAGS) throw cloudMapError("TooManyTagsException", `A resource can have at most ${MAX_TAGS} tags.`, { ResourceName: arn });
      return { batch: { expect: [], setTags: [{ uid: tagUid(key), tags }] }, response: {} };
    }, write);
  }
  return {
    TagResource: (input, write) => retag(input.ResourceARN, (current) => mergeTags(current, toTagRows(input.Tags)), write),
    UntagResource: (input, write) => retag(input.ResourceARN, (current) => removeTagKeys(current, input.TagKeys), write),
    async ListTagsForResource(input) {
      const { key } = await resolve(context, input.ResourceARN);
      return { Tags: toTags(await context.store.getTags(tagUid(key))) };
    },
  } satisfies HandlerSet<Ops, "TagResource" | "UntagResource" | "ListTagsForResource">;
}

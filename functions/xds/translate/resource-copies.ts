// Per-node rewrites of shared resources (the version adaptation, the subscription's config sources) keep sharing:
// each message is rewritten once per variant (a version band, a subscription) and the copy reused by every node of
// that variant, so the cache still packs each shared message once.
import type { DescMessage, Message } from "@bufbuild/protobuf";
import { resourceSchemas } from "../../envoy/index.js";
import { NODE_RESOURCE_LISTS, type NodeResources } from "./translator.js";

/** Rewritten copies by variant key, then by original message. */
export type ResourceCopies = Map<string, WeakMap<Message, Message>>;

/** Every message of `resources` through `rewrite`, memoised in `memo` under `variant`. */
export function rewriteResources(resources: NodeResources, variant: string, memo: ResourceCopies, rewrite: (schema: DescMessage, message: Message) => Message): NodeResources {
  let copies = memo.get(variant);
  if (!copies) memo.set(variant, (copies = new WeakMap()));
  const rewritten = { ...resources };
  for (const [type, list] of NODE_RESOURCE_LISTS) {
    const schema = resourceSchemas[type] as DescMessage;
    rewritten[list] = resources[list].map((message: Message) => {
      let copy = copies.get(message);
      if (!copy) copies.set(message, (copy = rewrite(schema, message)));
      return copy;
    }) as never;
  }
  return rewritten;
}

// The tagging operations on a real SQLite file, on a mesh created through the service.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../db/store.js";
import { openTemporaryStore, type TemporaryStore } from "../support/sqlite-store.js";
import { createCommitWithRetry } from "../../functions/appmesh/commit-retry.js";
import { createAppMeshService, defaultQuotas, type AppMeshService } from "../../functions/appmesh/index.js";
import { checkTagCount, createTaggingOperations, type TaggingOperations } from "../../functions/appmesh/tagging.js";

describe("createTaggingOperations", () => {
  let temporary: TemporaryStore;
  let store: Store;
  let tagging: TaggingOperations;
  let service: AppMeshService;

  /** A mesh of its own for each case, tagged team=b and cost=1; returns its ARN. */
  const taggedMesh = async (meshName: string) =>
    (await service.execute("CreateMesh", { meshName, tags: [{ key: "team", value: "b" }, { key: "cost", value: "1" }] })).metadata.arn;

  beforeAll(async () => {
    temporary = await openTemporaryStore("tagging");
    store = temporary.store;
    service = createAppMeshService(store, { region: "eu-west-1", accountId: "123456789012", quotas: { ...defaultQuotas }, checkRegex: () => ({ ok: true }) });
    tagging = createTaggingOperations(store, { commit: createCommitWithRetry(store), now: Date.now });
  });
  afterAll(() => temporary.remove());

  it("replaces the value of a key already there in place, appends new keys in request order, and removes keys", async () => {
    const arn = await taggedMesh("merge");
    await tagging.TagResource({ resourceArn: arn, tags: [{ key: "env", value: "prod" }, { key: "team", value: "c" }] });
    expect((await tagging.ListTagsForResource({ resourceArn: arn })).tags).toEqual([
      { key: "team", value: "c" },
      { key: "cost", value: "1" },
      { key: "env", value: "prod" },
    ]);
    await tagging.UntagResource({ resourceArn: arn, tagKeys: ["env", "absent"] });
    expect((await tagging.ListTagsForResource({ resourceArn: arn })).tags.map((tag) => tag.key)).toEqual(["team", "cost"]);
  });

  it("refuses tags that would take the resource past 50 with TooManyTagsException, keeping the ones it has", async () => {
    const arn = await taggedMesh("full");
    const tags = Array.from({ length: 49 }, (_, index) => ({ key: `k${index}`, value: "v" }));
    await expect(tagging.TagResource({ resourceArn: arn, tags })).rejects.toMatchObject({ name: "TooManyTagsException" });
    expect((await tagging.ListTagsForResource({ resourceArn: arn })).tags).toHaveLength(2);
    expect(() => checkTagCount({ tags: [...tags, ...tags] })).toThrow(expect.objectContaining({ name: "TooManyTagsException" }));
  });

  it("refuses a tag list repeating a key with BadRequestException", async () => {
    const arn = await taggedMesh("repeated");
    const repeated = [{ key: "dup", value: "1" }, { key: "dup", value: "2" }];
    await expect(tagging.TagResource({ resourceArn: arn, tags: repeated })).rejects.toMatchObject({ name: "BadRequestException" });
  });

  it("lists tags in pages whose cursor belongs to the resource", async () => {
    const arn = await taggedMesh("paged");
    const first = await tagging.ListTagsForResource({ resourceArn: arn, limit: 1 });
    expect(first.tags).toEqual([{ key: "team", value: "b" }]);
    const second = await tagging.ListTagsForResource({ resourceArn: arn, limit: 1, nextToken: first.nextToken! });
    expect(second).toEqual({ tags: [{ key: "cost", value: "1" }] });
  });

  it("answers an ARN that is not App Mesh's with BadRequestException and an unknown one with NotFoundException", async () => {
    const arn = await taggedMesh("arns");
    await expect(tagging.ListTagsForResource({ resourceArn: "arn:aws:s3:::bucket" })).rejects.toMatchObject({ name: "BadRequestException" });
    await expect(tagging.ListTagsForResource({ resourceArn: `${arn}/virtualNode/none` })).rejects.toMatchObject({ name: "NotFoundException" });
  });
});

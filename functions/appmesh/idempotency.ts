// clientToken idempotency: a write repeated with the same token and the same input gets the first response again
// instead of running twice; the same token with another input is a conflict. Records live `retentionMs` (24 h by
// default) and are written in the same batch as the change they answer for, so a replay never sees half a write.
import type { Store, WriteBatch } from "../../db/store.js";
import type { CommitWithRetry, WriteContext } from "./commit-retry.js";
import { conflict } from "./errors.js";

export interface IdempotencyOptions {
  /** Tokens are the caller's; they are kept apart per account. */
  accountId: string;
  /** Epoch milliseconds. */
  now: () => number;
  /** How long a clientToken is remembered; older records are replaced and purged. */
  retentionMs: number;
}

/** One write's token and the hash of what it asks for (operation and input, the token left out). */
export interface IdempotentRequest {
  token: string | undefined;
  requestHash: string;
}

/**
 * `replayed`: the first response to this request; `expired`: a record exists but is past retention, and the write
 * must purge it before recording anew; `new`: nothing is recorded under the token (or there is no token).
 */
export type Replay<Response> = { state: "replayed"; response: Response } | { state: "expired" } | { state: "new" };

export interface Idempotency {
  /** Identifies the request; `input` is the validated input, its `clientToken` member the token. */
  prepare(operation: string, input: Readonly<Record<string, unknown>> & { clientToken?: string }): Promise<IdempotentRequest>;
  /** What was recorded for the request's token; ConflictException when the token was used for another request. */
  replay<Response>(request: IdempotentRequest): Promise<Replay<Response>>;
  /** Adds the response's record to the batch that makes the change, and purges expired records now and then. */
  record(batch: WriteBatch, request: IdempotentRequest, response: unknown, at: number, replay: Replay<unknown>): void;
}

/**
 * What a write decided for a request seen for the first time: its batch and response, and when (the record's time).
 * `batch: null` means there is nothing to change (a put of what is already stored): nothing is written or recorded.
 */
export type FirstWrite<Response> = { batch: WriteBatch; response: Response; at: number } | { batch: null; response: Response };

/**
 * A guarded write (see commit-retry.ts) that answers a repeated request with its first response: `decide` runs only
 * for a request not seen before, and the request's record joins the batch it returns.
 */
export function commitIdempotent<Response>(
  commit: CommitWithRetry,
  idempotency: Idempotency,
  scopes: string[],
  request: IdempotentRequest,
  decide: () => Promise<FirstWrite<Response>>,
  context?: WriteContext,
): Promise<Response> {
  return commit(
    scopes,
    async () => {
      const replay = await idempotency.replay<Response>(request);
      if (replay.state === "replayed") return { batch: null, response: replay.response };
      const decided = await decide();
      if (decided.batch === null) return { batch: null, response: decided.response };
      idempotency.record(decided.batch, request, decided.response, decided.at, replay);
      return { batch: decided.batch, response: decided.response };
    },
    context,
  );
}

/** Canonical JSON (sorted keys) so that equal inputs hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function createIdempotency(store: Store, options: IdempotencyOptions): Idempotency {
  const recordKey = (token: string) => `${options.accountId}:${token}`;
  let lastExpiry = 0;

  return {
    async prepare(operation, input) {
      const { clientToken, ...request } = input;
      // Only a token's record needs the hash (replay and record ignore requests without one).
      if (clientToken === undefined) return { token: undefined, requestHash: "" };
      return { token: clientToken, requestHash: await sha256(canonicalJson({ operation, request })) };
    },

    async replay<Response>({ token, requestHash }: IdempotentRequest): Promise<Replay<Response>> {
      if (token === undefined) return { state: "new" };
      const record = await store.getIdempotencyRecord(recordKey(token));
      if (!record) return { state: "new" };
      if (record.createdAt < options.now() - options.retentionMs) return { state: "expired" };
      if (record.requestHash !== requestHash) throw conflict(`The clientToken ${token} was already used for a different request.`);
      // The hash covers the operation and its whole input, so the record holds this operation's response.
      return { state: "replayed", response: record.response as Response };
    },

    record(batch, { token, requestHash }, response, at, replay) {
      if (token === undefined) return;
      batch.idempotency = { token: recordKey(token), requestHash, response, createdAt: at };
      // Purging is at most once a minute, unless an expired record stands in the way of this one.
      if (replay.state === "expired" || at - lastExpiry >= 60_000) {
        batch.expireIdempotencyBefore = at - options.retentionMs;
        lastExpiry = at;
      }
    },
  };
}

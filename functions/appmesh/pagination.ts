// Opaque list cursors. A token names the last row of the page it ended and the collection it belongs to,
// so rows created or deleted between pages neither repeat nor hide the rows that stay.
import { badRequest } from "./errors.js";

interface Cursor {
  /** The collection: kind and parent path, so a token from another list is refused. */
  c: string;
  /** seq of the last row returned, or the offset for lists without seq (tags). */
  p: number;
}

const toBase64Url = (text: string) => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromBase64Url = (token: string) => atob(token.replace(/-/g, "+").replace(/_/g, "/"));

export function encodeNextToken(collection: string, position: number): string {
  return toBase64Url(JSON.stringify({ c: collection, p: position } satisfies Cursor));
}

/** The position after which the next page starts; 0 without a token. Throws BadRequest for a foreign or forged token. */
export function decodeNextToken(collection: string, token: string | undefined): number {
  if (token === undefined) return 0;
  let cursor: Partial<Cursor> | undefined;
  try {
    cursor = JSON.parse(fromBase64Url(token)) as Partial<Cursor>;
  } catch {
    cursor = undefined;
  }
  if (!cursor || cursor.c !== collection || typeof cursor.p !== "number" || !Number.isSafeInteger(cursor.p) || cursor.p < 0) {
    throw badRequest("The nextToken is not valid for this request.");
  }
  return cursor.p;
}

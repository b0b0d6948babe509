// Opaque list cursors of the AWS stand-ins: a token names the collection and the position after which the next page
// starts (a row's seq), so rows created or deleted between pages neither repeat nor hide the rows that stay.

interface Cursor {
  /** The collection (operation and its filters), so a token from another list is refused. */
  c: string;
  /** A seq, or a key (an instance id) for lists in key order. */
  p: number | string;
}

const toBase64Url = (text: string) => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromBase64Url = (token: string) => atob(token.replace(/-/g, "+").replace(/_/g, "/"));

export function encodePageToken(collection: string, position: number | string): string {
  return toBase64Url(JSON.stringify({ c: collection, p: position } satisfies Cursor));
}

/** The position after which the page starts: 0 without a token, undefined for a token of another list or a forged one. */
export function decodePageToken(collection: string, token: string | undefined): number | undefined {
  if (token === undefined) return 0;
  try {
    const cursor = JSON.parse(fromBase64Url(token)) as Partial<Cursor>;
    if (cursor.c === collection && typeof cursor.p === "number" && Number.isSafeInteger(cursor.p) && cursor.p >= 0) return cursor.p;
  } catch {
    // Not one of ours.
  }
  return undefined;
}

/** The key after which a list in key order starts: "" without a token, undefined for a foreign or forged one. */
export function decodeKeyPageToken(collection: string, token: string | undefined): string | undefined {
  if (token === undefined) return "";
  try {
    const cursor = JSON.parse(fromBase64Url(token)) as Partial<Cursor>;
    if (cursor.c === collection && typeof cursor.p === "string") return cursor.p;
  } catch {
    // Not one of ours.
  }
  return undefined;
}

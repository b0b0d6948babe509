// What the gateway's Node code does differently when it runs on Deno's Node compatibility (`deno task gateway`).

/** The Deno version when running on Deno, else undefined. */
export const denoVersion: string | undefined = process.versions.deno;

/**
 * ALPN protocols TLS listeners offer. Deno 2.9's node:tls and node:http2 cannot take it over a socket accepted by
 * node:net (tried with and without the sniffed bytes replayed): once ALPN picks h2 the process aborts ("free():
 * invalid pointer"), and a client whose offer the list does not cover (h2 only against ["http/1.1"]) fails the
 * handshake with an uncaught TypeError in TLSSocket._start, which ends the process too. Offering nothing lets every
 * handshake complete: clients that offer HTTP/1.1 speak it, h2-only clients stop on their side. HTTP/2 cleartext
 * works on Deno.
 */
export const tlsAlpnProtocols: string[] = denoVersion === undefined ? ["h2", "http/1.1"] : [];

/**
 * `--workers` when neither the flag nor GATEWAY_WORKERS says: one process. Deno's node:cluster forks and shares
 * the listeners, but under load a rare request on a worker's kept-alive connection went unanswered (1 of 4,000 in
 * three of five end-to-end runs on a loaded machine, never with one process), so more workers are opt-in there.
 */
export const defaultWorkersOnDeno = 1;

/** What differs from Node, said once at start, or undefined on Node. */
export function runtimeNotice(): string | undefined {
  if (denoVersion === undefined) return undefined;
  return `on Deno ${denoVersion}: TLS listeners serve HTTP/1.1 only (no ALPN offered: Deno's node:tls and node:http2 end the process on HTTP/2 over TLS); --workers defaults to ${defaultWorkersOnDeno}, more are opt-in (docs/serverless.md §6)`;
}

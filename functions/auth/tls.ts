// TLS material for meshplane's listeners: a PEM certificate chain and key read from files (MESHPLANE_TLS_CERT,
// MESHPLANE_TLS_KEY) and re-read when either changes, so a renewed certificate is served without a restart
// (Node's `setSecureContext` swaps it for new connections; open ones keep theirs).
import { unwatchFile, watchFile } from "node:fs";
import { readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

/** Reads and checks the pair (a key that does not match the certificate fails here, not at the first handshake). */
export async function readTlsMaterial(files: TlsFiles): Promise<TlsMaterial> {
  const [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)]);
  createSecureContext({ cert, key });
  return { cert, key };
}

/**
 * Calls `apply` with the new material whenever either file changes and the pair is valid; an invalid pair (say,
 * half-written during a renewal) is logged and the previous one stays in use. Returns the function that stops watching.
 */
export function watchTlsMaterial(files: TlsFiles, apply: (material: TlsMaterial) => void, intervalMs = 1000): () => void {
  let pending: Promise<void> = Promise.resolve();
  const onChange = (current: { mtimeMs: number }, previous: { mtimeMs: number }) => {
    if (current.mtimeMs === previous.mtimeMs) return;
    pending = pending.then(() =>
      readTlsMaterial(files).then(apply, (error) => console.error(`meshplane tls: kept the previous certificate; ${files.certFile}/${files.keyFile}: ${error instanceof Error ? error.message : String(error)}`)),
    );
  };
  for (const file of [files.certFile, files.keyFile]) watchFile(file, { interval: intervalMs, persistent: false }, onChange);
  return () => {
    for (const file of [files.certFile, files.keyFile]) unwatchFile(file, onChange);
  };
}

// Reading TLS material on Node: files, inline PEMs, and parts of Secrets received over ADS (ACM material).
import { readFileSync } from "node:fs";
import type { DataSource } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import type { Secret } from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js";
import type { DataRef } from "../core/index.js";

/** Returns the PEM text a ref names; throws when a file is unreadable or a Secret has not arrived. */
export type MaterialReader = (ref: DataRef) => string;

function readSource(source: DataSource | undefined, what: string): string {
  switch (source?.specifier.case) {
    case "filename":
      return readFileSync(source.specifier.value, "utf8");
    case "inlineString":
      return source.specifier.value;
    case "inlineBytes":
      return new TextDecoder().decode(source.specifier.value);
  }
  throw new Error(`${what} has no usable data source`);
}

export function createMaterialReader(secrets: () => ReadonlyMap<string, Secret>): MaterialReader {
  return (ref) => {
    if ("filename" in ref) return readFileSync(ref.filename, "utf8");
    if ("inline" in ref) return ref.inline;
    const secret = secrets().get(ref.secret);
    if (!secret) throw new Error(`secret ${ref.secret} has not been received`);
    if (ref.part === "trustedCa") {
      if (secret.type.case !== "validationContext") throw new Error(`secret ${ref.secret} is not a validation context`);
      return readSource(secret.type.value.trustedCa, `secret ${ref.secret}`);
    }
    if (secret.type.case !== "tlsCertificate") throw new Error(`secret ${ref.secret} is not a TLS certificate`);
    return readSource(secret.type.value[ref.part], `secret ${ref.secret}`);
  };
}

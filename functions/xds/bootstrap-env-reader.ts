// Reading the App Mesh image's environment as its agent does (agent/envoy_bootstrap/env/env.go): values trimmed,
// empty means unset, Go's boolean and integer syntax; errors are collected (naming the variable), not thrown.
import { create } from "@bufbuild/protobuf";
import { AddressSchema, SocketAddress_Protocol, SocketAddressSchema } from "../../proto/gen/envoy/config/core/v3/address_pb.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** Reads files the variables name (sampling manifests, custom config files). */
export interface FileReader {
  read(path: string): string;
}

export interface EnvError {
  variable: string;
  message: string;
}

/** Reads variables as the agent does (trimmed; empty = unset), collecting errors instead of throwing. */
export class EnvReader {
  readonly errors: EnvError[] = [];
  constructor(readonly env: Env) {}
  get(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  }
  or(name: string, fallback: string): string {
    return this.get(name) ?? fallback;
  }
  int(name: string, fallback: number): number {
    const value = this.get(name);
    if (value === undefined) return fallback;
    if (!/^[+-]?\d+$/.test(value)) {
      this.errors.push({ variable: name, message: `must be an integer value, got "${value}"` });
      return fallback;
    }
    return Number(value);
  }
  port(name: string, fallback: number): number {
    const port = this.int(name, fallback);
    if (port < 0 || port > 65535) this.errors.push({ variable: name, message: `must be a port (0-65535), got ${port}` });
    return port;
  }
  /** Go's strconv.ParseBool: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False. */
  bool(name: string, fallback = false): boolean {
    const value = this.get(name);
    if (value === undefined) return fallback;
    if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
    if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
    this.errors.push({ variable: name, message: `must be a boolean value, got "${value}"` });
    return fallback;
  }
  fail(name: string, message: string): void {
    this.errors.push({ variable: name, message });
  }
}

/** The mesh resource a node id names, split as the agent splits it (on `/`, at least four parts). */
export function meshResource(nodeId: string): { mesh: string; kind: string; name: string } | undefined {
  const parts = nodeId.split("/");
  return parts.length >= 4 ? { mesh: parts[1]!, kind: parts[2]!, name: parts[3]! } : undefined;
}

export const udpSocket = (address: string, port: number) => create(SocketAddressSchema, { protocol: SocketAddress_Protocol.UDP, address, portSpecifier: { case: "portValue", value: port } });
export const udp = (address: string, port: number) => create(AddressSchema, { address: { case: "socketAddress", value: udpSocket(address, port) } });

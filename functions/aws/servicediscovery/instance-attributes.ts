// The AWS_* attributes of a Cloud Map instance (the RegisterInstance documentation of the model): which a service's
// DNS records require, what their values must look like, and the address and port they give the endpoints table.
import { invalidInput } from "./errors.js";
import type { ServiceData } from "./records.js";

/** Cloud Map's limit of custom attributes per instance. */
export const MAX_ATTRIBUTES = 30;

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(text: string): boolean {
  return ipv4.test(text);
}

export function isIpv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(":")) return false;
  try {
    return new URL(`http://[${text}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** Refuses attributes Cloud Map would refuse for an instance of `service`. */
export function checkInstanceAttributes(attributes: Readonly<Record<string, string>>, service: ServiceData, namespaceIsHttp: boolean): void {
  const custom = Object.keys(attributes).filter((key) => !key.startsWith("AWS_"));
  if (custom.length > MAX_ATTRIBUTES) throw invalidInput(`An instance can have at most ${MAX_ATTRIBUTES} custom attributes; it has ${custom.length}.`);
  const { AWS_INSTANCE_IPV4: v4, AWS_INSTANCE_IPV6: v6, AWS_INSTANCE_PORT: port, AWS_INIT_HEALTH_STATUS: initial } = attributes;
  if (v4 !== undefined && !isIpv4(v4)) throw invalidInput(`AWS_INSTANCE_IPV4 must be an IPv4 address, not "${v4}".`);
  if (v6 !== undefined && !isIpv6(v6)) throw invalidInput(`AWS_INSTANCE_IPV6 must be an IPv6 address, not "${v6}".`);
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) <= 65535)) throw invalidInput(`AWS_INSTANCE_PORT must be a port number from 0 to 65535, not "${port}".`);
  if (initial !== undefined && initial !== "HEALTHY" && initial !== "UNHEALTHY") throw invalidInput(`AWS_INIT_HEALTH_STATUS must be HEALTHY or UNHEALTHY, not "${initial}".`);
  if (attributes.AWS_EC2_INSTANCE_ID !== undefined) {
    if (!namespaceIsHttp) throw invalidInput("AWS_EC2_INSTANCE_ID is only for instances in HTTP namespaces.");
    // Cloud Map fills in the instance's private address from EC2; meshplane has no EC2 to ask.
    throw invalidInput("meshplane cannot look up EC2 instances: register the instance with AWS_INSTANCE_IPV4 instead of AWS_EC2_INSTANCE_ID.");
  }
  if (attributes.AWS_ALIAS_DNS_NAME !== undefined && (v4 !== undefined || v6 !== undefined || port !== undefined || attributes.AWS_INSTANCE_CNAME !== undefined)) {
    throw invalidInput("An instance with AWS_ALIAS_DNS_NAME may not have AWS_INSTANCE_* attributes.");
  }
  for (const record of service.DnsConfig?.DnsRecords ?? []) {
    if (record.Type === "A" && v4 === undefined) throw invalidInput("The service has an A record: the instance needs AWS_INSTANCE_IPV4.");
    if (record.Type === "AAAA" && v6 === undefined) throw invalidInput("The service has an AAAA record: the instance needs AWS_INSTANCE_IPV6.");
    if (record.Type === "CNAME" && attributes.AWS_INSTANCE_CNAME === undefined) throw invalidInput("The service has a CNAME record: the instance needs AWS_INSTANCE_CNAME.");
    if (record.Type === "SRV" && (port === undefined || (v4 === undefined && v6 === undefined))) {
      throw invalidInput("The service has an SRV record: the instance needs AWS_INSTANCE_PORT and AWS_INSTANCE_IPV4 or AWS_INSTANCE_IPV6.");
    }
  }
}

/** The endpoints table's address and port of an instance: its IPv4 address, else its IPv6 one; its port, else 0. */
export function addressOf(attributes: Readonly<Record<string, string>>): { address: string; port: number } {
  return { address: attributes.AWS_INSTANCE_IPV4 ?? attributes.AWS_INSTANCE_IPV6 ?? "", port: attributes.AWS_INSTANCE_PORT !== undefined ? Number(attributes.AWS_INSTANCE_PORT) : 0 };
}

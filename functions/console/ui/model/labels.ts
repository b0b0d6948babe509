// Field labels from the model's member names, worded as App Mesh's console worded them: `virtualNodeName` →
// "Virtual node name", `http2Route` → "HTTP/2 route", `intervalMillis` → "Interval (ms)".

/** Words the console spells as acronyms or brand names. */
const words: Readonly<Record<string, string>> = {
  tls: "TLS",
  dns: "DNS",
  acm: "ACM",
  sds: "SDS",
  http: "HTTP",
  http2: "HTTP/2",
  grpc: "gRPC",
  tcp: "TCP",
  arn: "ARN",
  arns: "ARNs",
  ip: "IP",
  json: "JSON",
  uid: "UID",
  aws: "AWS",
  millis: "(ms)",
};

/** Where the App Mesh console named a member differently from its model name (keyed `Shape.member`). */
const consoleLabels: Readonly<Record<string, string>> = {
  "DnsServiceDiscovery.hostname": "DNS hostname",
  "DnsServiceDiscovery.responseType": "DNS response type",
  "AwsCloudMapServiceDiscovery.namespaceName": "Namespace name",
  "WeightedTarget.virtualNode": "Virtual node name",
  "WeightedTarget.port": "Target port",
  "VirtualServiceBackend.virtualServiceName": "Virtual service name",
  "EgressFilter.type": "Egress filter type",
  "ServiceDiscovery.awsCloudMap": "AWS Cloud Map",
  "MeshServiceDiscovery.ipPreference": "IP version preference",
  "FileAccessLog.path": "Access log path",
  "VirtualGatewayFileAccessLog.path": "Access log path",
};

function splitWords(name: string): string[] {
  // awsCloudMap → aws Cloud Map; http2Route → http2 Route; intervalMillis → interval Millis
  return name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").split(" ").map((word) => word.toLowerCase());
}

/**
 * @example
 * labelFor("CreateVirtualNodeInput", "virtualNodeName") // → "Virtual node name"
 * labelFor("HttpRetryPolicy", "perRetryTimeout")         // → "Per retry timeout"
 */
export function labelFor(shapeName: string, member: string): string {
  const known = consoleLabels[`${shapeName}.${member}`];
  if (known) return known;
  return humanize(member);
}

export function humanize(name: string): string {
  const spelled = splitWords(name).map((word) => words[word] ?? word);
  const first = spelled[0] ?? "";
  const text = [first === first.toLowerCase() ? first.charAt(0).toUpperCase() + first.slice(1) : first, ...spelled.slice(1)].join(" ");
  return text.replace(/ \(ms\)$/, " (ms)");
}

/** "Health check" → "health check", but "TLS" stays "TLS": a label inside a sentence ("Add health check"). */
export function lowerFirst(label: string): string {
  const second = label.slice(1, 2);
  return second !== "" && second === second.toUpperCase() && second !== second.toLowerCase() ? label : label.charAt(0).toLowerCase() + label.slice(1);
}

/** "Weighted targets" → "weighted target": the name of one item of a list, for "Add weighted target". */
export function singular(label: string): string {
  const lower = lowerFirst(label);
  if (/ies$/.test(lower)) return lower.replace(/ies$/, "y");
  if (/(ss|sh|ch|x)es$/.test(lower)) return lower.replace(/es$/, "");
  return lower.replace(/s$/, "");
}

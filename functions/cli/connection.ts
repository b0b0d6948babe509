// The App Mesh client the commands use: endpoint from --endpoint, else AWS_ENDPOINT_URL_APP_MESH, else
// AWS_ENDPOINT_URL (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true), else the shared config file's
// `services` section as the SDK reads it; region from --region, AWS_REGION, AWS_DEFAULT_REGION, else us-east-1;
// credentials from the standard AWS chain (environment, shared files, --profile / AWS_PROFILE, …).
import { AppMeshClient } from "@aws-sdk/client-app-mesh";
import { CliFailure } from "./cli-error.js";
import type { CliIo } from "./io.js";

export interface ConnectionOptions {
  endpoint?: string;
  region?: string;
  profile?: string;
}

export interface Connection {
  client: AppMeshClient;
  region: string;
}

const isTrue = (value: string | undefined) => value !== undefined && value.toLowerCase() === "true";

/** App Mesh itself is gone: a request about to leave for *.amazonaws.com means no meshplane endpoint was set. */
function refuseAwsEndpoint(hostname: string): void {
  if (hostname.endsWith(".amazonaws.com") || hostname.endsWith(".amazonaws.com.cn")) {
    throw new CliFailure(`no meshplane endpoint is configured (the request would go to ${hostname}): pass --endpoint URL or set AWS_ENDPOINT_URL_APP_MESH`);
  }
}

export function connect(options: ConnectionOptions, io: CliIo): Connection {
  const ignoreConfigured = isTrue(io.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS);
  const endpoint = options.endpoint ?? (ignoreConfigured ? undefined : (io.env.AWS_ENDPOINT_URL_APP_MESH ?? io.env.AWS_ENDPOINT_URL));
  const region = options.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? "us-east-1";
  const client = new AppMeshClient({
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      refuseAwsEndpoint((args.request as { hostname?: string }).hostname ?? "");
      return next(args);
    },
    { step: "build", name: "meshplaneEndpointRequired" },
  );
  return { client, region };
}

/**
 * The base URL the client sends App Mesh calls to, resolved as the SDK resolves it (an explicit endpoint, else the
 * config file's `services` section, else the region's AWS endpoint, which is refused): meshplane's own HTTP API
 * (`/v1/xds/…`) lives beside the App Mesh API, so the commands that call it use this.
 *
 * @example
 * await resolveEndpoint(connect({ endpoint: "http://127.0.0.1:8787/" }, io).client) // → URL "http://127.0.0.1:8787/"
 */
export async function resolveEndpoint(client: AppMeshClient): Promise<URL> {
  const config = client.config;
  let url: URL;
  if (config.isCustomEndpoint) {
    const endpoint = await config.endpoint!();
    url = new URL(`${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ""}${endpoint.path}`);
  } else {
    const configured = await config.serviceConfiguredEndpoint?.();
    url = configured
      ? new URL(configured)
      : config.endpointProvider({ Region: await config.region(), UseFIPS: await config.useFipsEndpoint(), UseDualStack: await config.useDualstackEndpoint() }).url;
  }
  refuseAwsEndpoint(url.hostname);
  return url;
}

// The App Mesh API the commands use: endpoint from --endpoint, else AWS_ENDPOINT_URL_APP_MESH, else
// AWS_ENDPOINT_URL (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true), else the shared config file's
// `services` section as the SDK reads it; region from --region, AWS_REGION, AWS_DEFAULT_REGION, else us-east-1;
// credentials from the standard AWS chain (environment, shared files, --profile / AWS_PROFILE, …). The SDK's
// client resolves all of that configuration; the calls themselves go over the CLI's signed HTTP path
// (signed-http.ts).
import { AppMeshClient } from "@aws-sdk/client-app-mesh";
import { createAppMeshApi, type AppMeshApi } from "./app-mesh-api.js";
import type { CliIo } from "./io.js";

export interface ConnectionOptions {
  endpoint?: string;
  region?: string;
  profile?: string;
}

export interface Connection {
  api: AppMeshApi;
  region: string;
}

const isTrue = (value: string | undefined) => value !== undefined && value.toLowerCase() === "true";

export function connect(options: ConnectionOptions, io: CliIo): Connection {
  const ignoreConfigured = isTrue(io.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS);
  const endpoint = options.endpoint ?? (ignoreConfigured ? undefined : (io.env.AWS_ENDPOINT_URL_APP_MESH ?? io.env.AWS_ENDPOINT_URL));
  const region = options.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? "us-east-1";
  const client = new AppMeshClient({
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  });
  return { api: createAppMeshApi(client), region };
}

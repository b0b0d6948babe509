// The App Mesh API as the CLI uses it: the SDK's commands of each kind in one table, so that reading,
// creating, updating and deleting go through one generic path (as the service has one); the members naming
// each kind's resources in inputs and outputs come from the migrate layer (the domain's descriptor table).
import {
  CreateGatewayRouteCommand,
  CreateMeshCommand,
  CreateRouteCommand,
  CreateVirtualGatewayCommand,
  CreateVirtualNodeCommand,
  CreateVirtualRouterCommand,
  CreateVirtualServiceCommand,
  DeleteGatewayRouteCommand,
  DeleteMeshCommand,
  DeleteRouteCommand,
  DeleteVirtualGatewayCommand,
  DeleteVirtualNodeCommand,
  DeleteVirtualRouterCommand,
  DeleteVirtualServiceCommand,
  DescribeGatewayRouteCommand,
  DescribeMeshCommand,
  DescribeRouteCommand,
  DescribeVirtualGatewayCommand,
  DescribeVirtualNodeCommand,
  DescribeVirtualRouterCommand,
  DescribeVirtualServiceCommand,
  ListGatewayRoutesCommand,
  ListMeshesCommand,
  ListRoutesCommand,
  ListVirtualGatewaysCommand,
  ListVirtualNodesCommand,
  ListVirtualRoutersCommand,
  ListVirtualServicesCommand,
  UpdateGatewayRouteCommand,
  UpdateMeshCommand,
  UpdateRouteCommand,
  UpdateVirtualGatewayCommand,
  UpdateVirtualNodeCommand,
  UpdateVirtualRouterCommand,
  UpdateVirtualServiceCommand,
  type AppMeshClient,
} from "@aws-sdk/client-app-mesh";
import { apiListMembers, apiNameMembers, type ResourceIdentity, type ResourceKind } from "../migrate/index.js";

// The SDK's command classes differ only in their input and output types; this path treats them alike.
type AnyCommand = new (input: any) => any;

interface KindCommands {
  create: AnyCommand;
  describe: AnyCommand;
  update: AnyCommand;
  delete: AnyCommand;
  list: AnyCommand;
}

const commands: Record<ResourceKind, KindCommands> = {
  mesh: { create: CreateMeshCommand, describe: DescribeMeshCommand, update: UpdateMeshCommand, delete: DeleteMeshCommand, list: ListMeshesCommand },
  virtualNode: { create: CreateVirtualNodeCommand, describe: DescribeVirtualNodeCommand, update: UpdateVirtualNodeCommand, delete: DeleteVirtualNodeCommand, list: ListVirtualNodesCommand },
  virtualService: {
    create: CreateVirtualServiceCommand,
    describe: DescribeVirtualServiceCommand,
    update: UpdateVirtualServiceCommand,
    delete: DeleteVirtualServiceCommand,
    list: ListVirtualServicesCommand,
  },
  virtualRouter: { create: CreateVirtualRouterCommand, describe: DescribeVirtualRouterCommand, update: UpdateVirtualRouterCommand, delete: DeleteVirtualRouterCommand, list: ListVirtualRoutersCommand },
  route: { create: CreateRouteCommand, describe: DescribeRouteCommand, update: UpdateRouteCommand, delete: DeleteRouteCommand, list: ListRoutesCommand },
  virtualGateway: {
    create: CreateVirtualGatewayCommand,
    describe: DescribeVirtualGatewayCommand,
    update: UpdateVirtualGatewayCommand,
    delete: DeleteVirtualGatewayCommand,
    list: ListVirtualGatewaysCommand,
  },
  gatewayRoute: { create: CreateGatewayRouteCommand, describe: DescribeGatewayRouteCommand, update: UpdateGatewayRouteCommand, delete: DeleteGatewayRouteCommand, list: ListGatewayRoutesCommand },
};

/** The resource data of a Create/Describe/Update output (`{ virtualNode: { spec, metadata, … } }`). */
export interface ResourceData {
  spec?: Record<string, unknown>;
  metadata: { arn: string; uid: string; version: number; meshOwner: string; resourceOwner: string };
}

/** The members naming a resource in its kind's inputs (see apiNameMembers). */
export const nameMembers = apiNameMembers;

/** Runs `Create|Describe|Update|Delete<Kind>` and returns the resource data of its output. */
export async function sendResourceCommand(client: AppMeshClient, action: "create" | "describe" | "update" | "delete", kind: ResourceKind, input: Record<string, unknown>): Promise<ResourceData> {
  const Command = commands[kind][action];
  const output = (await client.send(new Command(input))) as unknown as Record<string, ResourceData>;
  return output[kind]!;
}

/** Every page of `List<Kinds>` for the given scope: the names of the listed resources. */
export async function listNames(client: AppMeshClient, kind: ResourceKind, scope: Record<string, string>): Promise<string[]> {
  const { listKey, nameMember } = apiListMembers(kind);
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const output = (await client.send(new commands[kind].list({ ...scope, limit: 100, ...(nextToken ? { nextToken } : {}) }))) as unknown as Record<string, unknown>;
    const refs = (output[listKey] ?? []) as Array<Record<string, string>>;
    names.push(...refs.map((ref) => ref[nameMember]!));
    nextToken = output.nextToken as string | undefined;
  } while (nextToken);
  return names;
}

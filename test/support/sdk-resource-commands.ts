// The AWS SDK's App Mesh commands of each kind in one table, for tests and benchmarks that act as a user of the
// SDK would (the CLI itself sends its calls over its own signed HTTP path, functions/cli/app-mesh-api.ts).
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
  UpdateGatewayRouteCommand,
  UpdateMeshCommand,
  UpdateRouteCommand,
  UpdateVirtualGatewayCommand,
  UpdateVirtualNodeCommand,
  UpdateVirtualRouterCommand,
  UpdateVirtualServiceCommand,
  type AppMeshClient,
} from "@aws-sdk/client-app-mesh";
import { apiNameMembers, type ResourceKind } from "../../functions/migrate/index.js";

// The SDK's command classes differ only in their input and output types; this path treats them alike.
type AnyCommand = new (input: any) => any;

interface KindCommands {
  create: AnyCommand;
  describe: AnyCommand;
  update: AnyCommand;
  delete: AnyCommand;
}

const commands: Record<ResourceKind, KindCommands> = {
  mesh: { create: CreateMeshCommand, describe: DescribeMeshCommand, update: UpdateMeshCommand, delete: DeleteMeshCommand },
  virtualNode: { create: CreateVirtualNodeCommand, describe: DescribeVirtualNodeCommand, update: UpdateVirtualNodeCommand, delete: DeleteVirtualNodeCommand },
  virtualService: {
    create: CreateVirtualServiceCommand,
    describe: DescribeVirtualServiceCommand,
    update: UpdateVirtualServiceCommand,
    delete: DeleteVirtualServiceCommand,
  },
  virtualRouter: { create: CreateVirtualRouterCommand, describe: DescribeVirtualRouterCommand, update: UpdateVirtualRouterCommand, delete: DeleteVirtualRouterCommand },
  route: { create: CreateRouteCommand, describe: DescribeRouteCommand, update: UpdateRouteCommand, delete: DeleteRouteCommand },
  virtualGateway: {
    create: CreateVirtualGatewayCommand,
    describe: DescribeVirtualGatewayCommand,
    update: UpdateVirtualGatewayCommand,
    delete: DeleteVirtualGatewayCommand,
  },
  gatewayRoute: { create: CreateGatewayRouteCommand, describe: DescribeGatewayRouteCommand, update: UpdateGatewayRouteCommand, delete: DeleteGatewayRouteCommand },
};

/** The resource data of a Create/Describe/Update output (`{ virtualNode: { spec, metadata, … } }`). */
export interface ResourceData {
  spec?: Record<string, unknown>;
  metadata: { arn: string; uid: string; version: number; meshOwner: string; resourceOwner: string };
}

/** The members naming a resource in its kind's inputs. */
export const nameMembers = apiNameMembers;

/** Runs `Create|Describe|Update|Delete<Kind>` and returns the resource data of its output. */
export async function sendResourceCommand(client: AppMeshClient, action: "create" | "describe" | "update" | "delete", kind: ResourceKind, input: Record<string, unknown>): Promise<ResourceData> {
  const Command = commands[kind][action];
  const output = (await client.send(new Command(input))) as unknown as Record<string, ResourceData>;
  return output[kind]!;
}

// AWS Cloud Map (servicediscovery 2017-03-14) as a JSON 1.1 service: the model's operations with their handlers.
// Service attributes (Get/Update/DeleteServiceAttributes) are not implemented and answer UnknownOperationException.
import { createJsonService, createShapeValidator, type JsonService, type StandInContext } from "../shared/index.js";
import { invalidInput } from "./errors.js";
import { instanceHandlers } from "./instances.js";
import { metadata, operationNames, operations, shapes } from "./model/model.generated.js";
import type { ServiceDiscoveryOperations } from "./model/operations.generated.js";
import { namespaceHandlers } from "./namespaces.js";
import { operationHandlers } from "./operations.js";
import { serviceHandlers } from "./services.js";
import { tagHandlers } from "./tags.js";

export function createCloudMapService(context: StandInContext): JsonService {
  return createJsonService<ServiceDiscoveryOperations>({
    name: metadata.endpointPrefix,
    targetPrefix: metadata.targetPrefix,
    modelOperations: operationNames,
    validator: createShapeValidator({ operations, shapes }, invalidInput),
    handlers: {
      ...namespaceHandlers(context),
      ...serviceHandlers(context),
      ...instanceHandlers(context),
      ...operationHandlers(context),
      ...tagHandlers(context),
    },
  });
}

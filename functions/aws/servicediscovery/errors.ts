// Cloud Map's errors: the model's exception shapes (all 400 in its JSON protocol); bad input is InvalidInput.
import { AwsServiceError, createErrorFactory } from "../shared/index.js";
import { ServiceDiscoveryErrorStatus } from "./model/errors.generated.js";

export const cloudMapError = createErrorFactory(ServiceDiscoveryErrorStatus);

export const invalidInput = (message: string): AwsServiceError => cloudMapError("InvalidInput", message);

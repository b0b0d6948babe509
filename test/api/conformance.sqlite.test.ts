import { startTestControlPlane } from "../support/control-plane.js";
import { defineConformanceSuite } from "./conformance.cases.js";

defineConformanceSuite("embedded SQLite", (env) => startTestControlPlane({ env }));

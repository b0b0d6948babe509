#!/usr/bin/env node
// The `meshplane` command in a checkout: registers tsx (as `npm start` runs TypeScript) and hands over to the CLI.
import { register } from "tsx/esm/api";

register();
await import("../functions/cli/main.ts");

// The meshplane console: its server routes (/console/, the sign-in API, the redirect from /) and its built UI.
// Other folders import this folder through this file only.
export { createConsoleApp, CONSOLE_PATH } from "./console-app.js";
export type { ConsoleAppOptions } from "./console-app.js";
export type { ConsoleAssetFile } from "./assets.js";
/** The UI as functions/console/build.mjs built it (npm run build). */
export { consoleAssetFiles } from "./dist/assets.js";

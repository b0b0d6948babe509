// The `meshplane` command (bin/meshplane.js runs this): import, export and diff App Mesh resources against any
// meshplane (Node, Worker, remote) through its App Mesh API, and explain a proxy's routing through its xDS API.
// meshplane pins its SDK version and supports Node 20 (see README); the SDK's notice about later SDK versions
// needing Node 22 would only clutter every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// `meshplane … | head` closes the pipe early: that ends the output, it is not a failure worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

const { processIo } = await import("./io.js");
const { runCli } = await import("./program.js");

process.exitCode = await runCli(process.argv.slice(2), processIo());

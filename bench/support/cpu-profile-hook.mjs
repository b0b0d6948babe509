// Loaded with `NODE_OPTIONS=--import <this file>` (Node 20 refuses --cpu-prof in NODE_OPTIONS): profiles the whole
// process with the inspector and writes `<MESHPLANE_CPU_PROFILE_DIR>/<pid>.cpuprofile` when it exits (open it in
// DevTools, or summarize it with bench/support/cpu-profile.ts).
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import path from "node:path";

const dir = process.env.MESHPLANE_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.start");
  // An in-thread session answers synchronously, so the profile is written before the process is gone.
  process.on("exit", () => {
    session.post("Profiler.stop", (error, result) => {
      if (error) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}

// The console's session as the server reports it (GET /console/session). The CSRF token lives in memory only;
// the session itself is an HttpOnly cookie the page cannot read.
import { createContext } from "preact";
import { request, setCsrfToken } from "./http.js";

export type Session =
  | { mode: "open" }
  | { mode: "signed-out" }
  | { mode: "signed-in"; principal: string; admin: boolean; accessKeyId: string; csrfToken: string; expiresAt: number };

/** Whether the audit log (an admin endpoint) is readable: always in open mode, else for admin principals. */
export const canReadAudit = (session: Session): boolean => session.mode === "open" || (session.mode === "signed-in" && session.admin);

function remember(session: Session): Session {
  setCsrfToken(session.mode === "signed-in" ? session.csrfToken : null);
  return session;
}

export const loadSession = async (): Promise<Session> => remember(await request<Session>("GET", "/console/session"));

export const signIn = async (accessKeyId: string, secretAccessKey: string): Promise<Session> =>
  remember(await request<Session>("POST", "/console/session", { body: { accessKeyId, secretAccessKey } }));

export const signOut = async (): Promise<Session> => remember(await request<Session>("DELETE", "/console/session"));

/** The session, for views that offer what only some principals may use. */
export const SessionContext = createContext<Session>({ mode: "open" });

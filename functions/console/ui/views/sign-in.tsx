// Sign-in with an access key (the same key the AWS CLI signs with). The secret goes to the server once, over this
// origin, and is not kept: the page holds neither it nor the session cookie.
import { useState } from "preact/hooks";
import { errorText } from "../api/http.js";
import { signIn, type Session } from "../api/session.js";

export function SignIn({ onSignedIn, notice }: { onSignedIn(session: Session): void; notice?: string }) {
  const [accessKeyId, setAccessKeyId] = useState("");
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(accessKeyId.trim(), secret);
      setSecret("");
      onSignedIn(session);
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
    }
  };
  return (
    <main class="sign-in" id="main">
      <form class="sign-in-card" onSubmit={submit} noValidate>
        <div class="brand brand-large">
          <span class="brand-mark" aria-hidden="true" />
          meshplane
        </div>
        <h1>Sign in to the console</h1>
        <p class="page-description">Use an access key issued by this control plane (the auth file or the admin API).</p>
        {notice && (
          <p class="alert alert-info" role="status">
            {notice}
          </p>
        )}
        <div class="field">
          <label for="access-key-id">Access key ID</label>
          <input id="access-key-id" type="text" autoComplete="username" spellcheck={false} value={accessKeyId} onInput={(event) => setAccessKeyId(event.currentTarget.value)} required />
        </div>
        <div class="field">
          <label for="secret-access-key">Secret access key</label>
          <input id="secret-access-key" type="password" autoComplete="current-password" value={secret} onInput={(event) => setSecret(event.currentTarget.value)} required />
        </div>
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="button-primary button-block" disabled={busy || accessKeyId === "" || secret === ""}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}

// Sign in with a username and password; the server sets the login cookie. A refusal never
// says which part was wrong.
import { useState } from "preact/hooks";
import { ApiError, post } from "../api/client";
import { ErrorLine } from "../ui/kit";

export function Login(props: { onSignedIn: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      await post("/api/auth/login", { username: String(form.get("username")), password: String(form.get("password")) });
      props.onSignedIn();
    } catch (e) {
      if (e instanceof ApiError && e.status === 429) setError("Too many attempts: wait a few minutes, then try again.");
      else if (e instanceof ApiError && (e.status === 401 || e.status === 400 || e.status === 403))
        setError("That username and password do not match an account.");
      else setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to baton</h1>
        <label>
          Username
          <input name="username" autocomplete="username" required autofocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <ErrorLine error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}

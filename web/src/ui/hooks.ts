// Loading and live updates for views: `useLoad` fetches and re-fetches when its keys change;
// `useProjectChanges` follows a project's stream and bumps a version on every change, so a
// view re-reads what changed instead of polling.
import { useEffect, useRef, useState } from "preact/hooks";
import { describe } from "../api/client";
import { NEWEST, subscribe, type StreamState } from "../api/stream";
import type { Event } from "../api/types";

/** A person's action from a button: `act(work)` is the click handler; a failure becomes
 *  `error` (shown with the view), a success calls `after` (a re-read, usually). */
export function useAction(after?: () => void) {
  const [error, setError] = useState<string | null>(null);
  const act = (work: () => Promise<unknown>) => async () => {
    setError(null);
    try {
      await work();
      after?.();
    } catch (e) {
      setError(describe(e));
    }
  };
  return { error, setError, act };
}

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

export function useLoad<T>(load: () => Promise<T>, keys: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error: string | null; loading: boolean }>({ error: null, loading: true });
  const [again, setAgain] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState((s) => ({ ...s, error: describe(error), loading: false })),
    );
    return () => {
      live = false;
    };
    // `load` is a new closure every render: `keys` say when it reads something new.
  }, [...keys, again]);
  return { data: state.data, error: state.error, loading: state.loading, reload: () => setAgain((n) => n + 1) };
}

/** A stream's events to a callback, and the stream's state for a banner. */
export function useStream(url: string | null, after: number | null, onEvent: (event: Event) => void): StreamState {
  const [state, setState] = useState<StreamState>("connecting");
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (url === null || after === null) return;
    return subscribe({ url, after, onEvent: (e) => handler.current(e), onState: (s) => setState(s) });
  }, [url, after]);
  return state;
}

/** A stream from now on (the views read the present state themselves): `base` is where its
 *  `/events` page and `/stream` are (`/api/projects/3`, `/api/auth/me`). */
export function useLiveStream(base: string | null, onEvent: (event: Event) => void): StreamState {
  const [after, setAfter] = useState<number | null>(null);
  useEffect(() => {
    setAfter(null);
    if (base === null) return;
    fetch(`${base}/events?limit=1&before=${NEWEST}`, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : { last_seq: 0 }))
      .then((page: { last_seq?: number }) => setAfter(page.last_seq ?? 0))
      .catch(() => setAfter(0));
  }, [base]);
  return useStream(base === null ? null : `${base}/stream`, after, onEvent);
}

/** A version number that grows with every change in a project (debounced: a burst of changes
 *  is one re-read), and each time the stream (re)connects: what changed while it was not
 *  connected is read again, never missed. */
export function useProjectChanges(project: number | null): { version: number; state: StreamState } {
  const [version, setVersion] = useState(0);
  const timer = useRef(0);
  const bump = () => {
    clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setVersion((v) => v + 1), 120);
  };
  const state = useLiveStream(project === null ? null : `/api/projects/${project}`, bump);
  useEffect(() => {
    if (state === "live") bump();
  }, [state]);
  return { version, state };
}

/** Follows a stream (see `useLiveStream`) without showing anything, for views over many
 *  projects: calls `onChange` for each event `which` accepts, and whenever the stream
 *  (re)connects. */
export function Follow(props: { base: string; which?: (event: Event) => boolean; onChange: () => void }) {
  const state = useLiveStream(props.base, (event) => {
    if (!props.which || props.which(event)) props.onChange();
  });
  useEffect(() => {
    if (state === "live") props.onChange();
  }, [state]);
  return null;
}

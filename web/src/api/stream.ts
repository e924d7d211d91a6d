// Live streams (server-sent events) that survive any drop: a reader that resumes after the
// last `id:` it saw (`Last-Event-ID`), says when it is reconnecting (the UI shows a banner,
// never a silent stall), and notices a dead connection by the server's keepalives going
// quiet. `fetch` rather than `EventSource`: it lets the reader send `Last-Event-ID` itself,
// see the status of a refused reconnect (a revoked share, a logout) and stop for good then.
import type { Event } from "./types";

/** `?before=` of a log's newest page: the largest sequence number there can be. */
export const NEWEST = "9223372036854775807";

export type StreamState = "connecting" | "live" | "reconnecting" | "closed";

export interface StreamOptions {
  /** The stream's URL without resume parameters. */
  url: string;
  /** Resume after this sequence number (0: from the start). */
  after: number;
  onEvent: (event: Event) => void;
  onState?: (state: StreamState, detail?: string) => void;
}

/** Keepalives are asked for every KEEPALIVE_S; silence for longer than this means the
 *  connection is dead even if the socket has not said so. */
const KEEPALIVE_S = 10;
const SILENCE_MS = KEEPALIVE_S * 2500;

export function subscribe(options: StreamOptions): () => void {
  let last = options.after;
  let closed = false;
  let controller: AbortController | null = null;
  let attempt = 0;
  const state = (s: StreamState, detail?: string) => options.onState?.(s, detail);

  const run = async () => {
    while (!closed) {
      controller = new AbortController();
      let watchdog = 0;
      const arm = () => {
        clearTimeout(watchdog);
        watchdog = window.setTimeout(() => controller?.abort(), SILENCE_MS);
      };
      try {
        state(attempt === 0 ? "connecting" : "reconnecting");
        arm();
        const sep = options.url.includes("?") ? "&" : "?";
        const response = await fetch(`${options.url}${sep}keepalive=${KEEPALIVE_S}`, {
          headers: { accept: "text/event-stream", "last-event-id": String(last) },
          credentials: "same-origin",
          signal: controller.signal,
          cache: "no-store",
        });
        if (response.status === 401 || response.status === 403 || response.status === 404) {
          closed = true;
          state("closed", response.status === 404 ? "this stream is gone or no longer yours to see" : "signed out");
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        attempt = 0;
        state("live");
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          arm();
          buffer += value;
          let end: number;
          while ((end = frameEnd(buffer)) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end).replace(/^(\r?\n){2}/, "");
            const event = parseFrame(frame);
            if (event && event.seq > last) {
              last = event.seq;
              options.onEvent(event);
            }
          }
        }
      } catch {
        // A drop, a refused connection or the watchdog: resume below.
      } finally {
        clearTimeout(watchdog);
      }
      if (closed) break;
      attempt += 1;
      state("reconnecting");
      await sleep(Math.min(500 * 2 ** Math.min(attempt - 1, 4), 5000));
    }
  };
  void run();
  return () => {
    closed = true;
    controller?.abort();
    state("closed");
  };
}

/** Where the first complete frame of `buffer` ends (before its blank line), or -1. */
function frameEnd(buffer: string): number {
  const lf = buffer.indexOf("\n\n");
  const crlf = buffer.indexOf("\r\n\r\n");
  if (lf < 0) return crlf;
  if (crlf < 0) return lf;
  return Math.min(lf, crlf);
}

/** One SSE frame's event: its `data:` lines are the event's JSON; comments (keepalives) and
 *  frames without data are nothing. */
export function parseFrame(frame: string): Event | null {
  const data: string[] = [];
  for (const line of frame.split(/\r?\n/)) {
    if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
  }
  if (data.length === 0) return null;
  try {
    const event = JSON.parse(data.join("\n")) as Event;
    return typeof event.seq === "number" ? event : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

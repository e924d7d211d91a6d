// A session's transcript, live: the newest events first on open, older history loaded on
// scroll, the stream resumed after any drop with a visible banner, and only the rows on
// screen in the DOM. Shared by the signed-in session view and the share page (`Endpoints`
// says where to read and write).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { describe, get, post } from "../api/client";
import { NEWEST, type StreamState } from "../api/stream";
import type { Event, EventPage, Input } from "../api/types";
import { buildRows, turnState, type Row, type Step } from "../transcript/view";
import { useStream } from "../ui/hooks";
import { ErrorLine, money } from "../ui/kit";
import { Markdown } from "../ui/markdown";
import { useVirtualizer } from "../ui/virtual";

/** Where one session is read and written: `/api/sessions/:id` or `/api/share/:token`. */
export interface Endpoints {
  base: string;
  shared: boolean;
  /** A read-only share link: no composer, no answers. */
  readOnly?: boolean;
}

const PAGE = 300;

/** The session's events: the newest page, then the stream, then older pages on demand. */
export function useTranscript(endpoints: Endpoints) {
  const [events, setEvents] = useState<Event[]>([]);
  const [after, setAfter] = useState<number | null>(null);
  const [older, setOlder] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loadingOlder = useRef(false);
  useEffect(() => {
    setEvents([]);
    setAfter(null);
    get<EventPage>(`${endpoints.base}/events?before=${NEWEST}&limit=${PAGE}`).then(
      (page) => {
        setEvents(sortBySeq(page.items));
        setOlder(page.next_before ?? null);
        setAfter(Math.max(page.last_seq, ...page.items.map((e) => e.seq)));
      },
      (e) => setError(describe(e)),
    );
  }, [endpoints.base]);
  const state = useStream(`${endpoints.base}/stream`, after, (event) =>
    setEvents((list) => (list.length && list[list.length - 1].seq >= event.seq ? list : [...list, event])),
  );
  const loadOlder = async () => {
    if (older === null || loadingOlder.current) return;
    loadingOlder.current = true;
    try {
      const page = await get<EventPage>(`${endpoints.base}/events?before=${older}&limit=${PAGE}`);
      setEvents((list) => {
        const first = list[0]?.seq ?? Infinity;
        return [...sortBySeq(page.items).filter((e) => e.seq < first), ...list];
      });
      setOlder(page.next_before ?? null);
    } catch (e) {
      setError(describe(e));
    } finally {
      loadingOlder.current = false;
    }
  };
  return { events, state, error, hasOlder: older !== null, loadOlder };
}

/** The live transcript and, while a turn runs, the working indicator (with Stop where the
 *  reader may stop the agent): the body of both the session view and the share page. */
export function LiveTranscript(props: { endpoints: Endpoints; onStop?: () => void }) {
  const transcript = useTranscript(props.endpoints);
  const turn = useMemo(() => turnState(transcript.events), [transcript.events]);
  return (
    <>
      <ErrorLine error={transcript.error} />
      <Transcript
        endpoints={props.endpoints}
        events={transcript.events}
        state={transcript.state}
        hasOlder={transcript.hasOlder}
        loadOlder={transcript.loadOlder}
      />
      {turn.working ? (
        <div class="working" role="status">
          <span class="spinner" aria-hidden="true" /> Working…
          {turn.queued ? ` (${turn.queued} queued)` : ""}
          {props.onStop ? (
            <button type="button" class="danger" onClick={props.onStop}>
              Stop
            </button>
          ) : null}
        </div>
      ) : null}
    </>
  );
}

function sortBySeq(events: Event[]): Event[] {
  return [...events].sort((a, b) => a.seq - b.seq);
}

export function Transcript(props: {
  endpoints: Endpoints;
  events: Event[];
  state: StreamState;
  hasOlder: boolean;
  loadOlder: () => Promise<void>;
}) {
  const rows = useMemo(() => buildRows(props.events), [props.events]);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const virtualizer = useVirtualizer({
    count: rows.length,
    estimateSize: () => 64,
    getItemKey: (i) => rows[i]?.key ?? i,
    scrollElement: () => scroller.current,
  });
  // Follow the newest row while the reader is at the bottom; leave them be when they scrolled up.
  const firstKey = rows[0]?.key;
  const previous = useRef({ firstKey, count: 0, size: 0 });
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const before = previous.current;
    const size = virtualizer.getTotalSize();
    if (before.firstKey !== firstKey && before.count > 0) {
      // Older history arrived above: keep what the reader looks at in place.
      el.scrollTop += size - before.size;
    } else if (atBottom.current && rows.length) {
      virtualizer.scrollToIndex(rows.length - 1, { align: "end" });
    }
    previous.current = { firstKey, count: rows.length, size };
  }, [rows.length, firstKey]);
  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (el.scrollTop < 200 && props.hasOlder) void props.loadOlder();
  };
  return (
    <div class="transcript-frame">
      {props.state === "reconnecting" || props.state === "connecting" ? (
        <p class="banner" role="status">
          {props.state === "connecting" ? "Connecting…" : "Reconnecting… the transcript catches up when the connection is back."}
        </p>
      ) : null}
      {props.state === "closed" ? (
        <p class="banner error" role="status">
          This live view has ended (the session is gone or no longer shared with you).
        </p>
      ) : null}
      <div
        class="transcript"
        ref={scroller}
        onScroll={onScroll}
        role="log"
        aria-label="Transcript"
        aria-live="polite"
        data-history={props.hasOlder ? "partial" : "complete"}
        // Focusable, so that a keyboard scrolls it.
        tabIndex={0}
      >
        <div class="transcript-inner" style={{ height: `${virtualizer.getTotalSize()}px` }}>
          {virtualizer.getVirtualItems().map((item) => (
            <div
              key={item.key}
              class="vrow"
              data-index={item.index}
              ref={(el) => {
                if (el) virtualizer.measureElement(el);
              }}
              style={{ transform: `translateY(${item.start}px)` }}
            >
              <RowView row={rows[item.index]} endpoints={props.endpoints} />
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}

function RowView(props: { row: Row; endpoints: Endpoints }) {
  const row = props.row;
  switch (row.kind) {
    case "user":
      return (
        <div class={row.queued ? "msg user queued" : "msg user"}>
          <p class="meta">
            <b>{row.author.name}</b>
            {row.queued ? <span class="queued-tag">queued</span> : null}
          </p>
          <p class="text">{row.text}</p>
          {row.attachments?.length ? (
            <ul class="attachments">
              {row.attachments.map((a) => (
                <li>
                  attached {a.filename} ({Math.ceil(a.size / 1024)} KB)
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      );
    case "agent":
      return (
        <div class="msg agent">
          <Markdown text={row.text} />
        </div>
      );
    case "reasoning":
      return (
        <details class="reasoning">
          <summary>Thinking</summary>
          <p class="text">{row.text}</p>
        </details>
      );
    case "steps":
      return (
        <div class="steps">
          {row.steps.map((step) => (
            <StepView step={step} />
          ))}
        </div>
      );
    case "todo":
      return (
        <div class="todo">
          <p class="meta">To-do</p>
          <ul>
            {row.items.map((item) => (
              <li class={item.done ? "done" : ""}>
                <span aria-hidden="true">{item.done ? "☑" : "☐"}</span> {item.text}
              </li>
            ))}
          </ul>
        </div>
      );
    case "turn":
      return (
        <div class={row.outcome === "error" ? "turn-divider failed" : "turn-divider"} role="separator">
          <span>
            {row.outcome === "error" ? `Turn failed: ${row.error ?? "error"}` : "Turn done"}
            {row.durationMs !== null ? ` · ${(row.durationMs / 1000).toFixed(1)} s` : ""}
            {row.inputTokens || row.outputTokens ? ` · ${row.inputTokens + row.outputTokens} tokens` : ""}
            {row.costUsd ? ` · ${money(row.costUsd)}` : ""}
          </span>
        </div>
      );
    case "notice":
      return <p class={`notice notice-${row.source}`}>{row.text}</p>;
    case "cleared":
      return (
        <div class="turn-divider" role="separator">
          <span>Context cleared: the agent starts afresh</span>
        </div>
      );
    case "input":
      return <InputCard input={row.input} endpoints={props.endpoints} />;
  }
}

function StepView(props: { step: Step }) {
  const s = props.step;
  const icon = s.kind === "command" ? "$" : s.kind === "file" ? "✎" : "⚙";
  return (
    <details class={s.isError ? "step error" : "step"}>
      <summary>
        <span class="icon" aria-hidden="true">
          {icon}
        </span>{" "}
        <span class="summary">{s.summary}</span>
        {s.running ? <span class="running"> running…</span> : null}
      </summary>
      {s.detail ? <pre class="detail">{s.detail}</pre> : null}
      {s.output ? <pre class="output">{s.output}</pre> : null}
    </details>
  );
}

interface Question {
  question: string;
  header?: string;
  options?: { label: string; description?: string }[];
}

/** The questions of an AskUserQuestion-style input, if it has any. */
function questionsOf(input: Input): Question[] {
  const details = input.input as { questions?: unknown } | null | undefined;
  const list = details && Array.isArray(details.questions) ? details.questions : [];
  return list.filter((q): q is Question => typeof q === "object" && q !== null && typeof (q as Question).question === "string");
}

/** An agent's request for a person: Allow / Deny (or the question's options) and a message. */
export function InputCard(props: { input: Input; endpoints: Endpoints }) {
  const input = props.input;
  const [message, setMessage] = useState("");
  const [picked, setPicked] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const questions = questionsOf(input);
  const answer = async (decision: "allow" | "deny") => {
    setBusy(true);
    setError(null);
    try {
      // A question's answer is the option picked, else what the person wrote; what they wrote
      // beside a picked option goes along as a note.
      const text = message.trim();
      const answers = Object.fromEntries(questions.map((q) => [q.question, picked[q.question] ?? text]));
      const typedIsAnswer = questions.some((q) => !picked[q.question]);
      const answering = questions.length > 0 && decision === "allow";
      await post(`${props.endpoints.base}/inputs/${encodeURIComponent(input.request_id)}`, {
        decision,
        ...(text && !(answering && typedIsAnswer) ? { message: text } : {}),
        ...(answering ? { answers } : {}),
      });
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };
  const pending = input.status === "pending";
  return (
    <section class={pending ? "input-card pending" : "input-card"} aria-label={input.kind === "question" ? "Question" : "Approval"}>
      <p class="meta">
        {input.kind === "question" ? "The agent asks" : `The agent asks to use ${input.tool ?? "a tool"}`}
      </p>
      <p class="summary">{input.summary}</p>
      {input.kind === "approval" && input.input ? <pre class="detail">{JSON.stringify(input.input, null, 2)}</pre> : null}
      {pending && !props.endpoints.readOnly ? (
        <>
          {questions.map((q) => (
            <fieldset>
              <legend>{q.question}</legend>
              {(q.options ?? []).map((o) => (
                <label>
                  <input
                    type="radio"
                    name={`${input.request_id}-${q.question}`}
                    checked={picked[q.question] === o.label}
                    onChange={() => setPicked({ ...picked, [q.question]: o.label })}
                  />
                  {o.label}
                  {o.description ? <span class="muted"> · {o.description}</span> : null}
                </label>
              ))}
            </fieldset>
          ))}
          <label>
            <span class="sr-only">Message to the agent</span>
            <input
              value={message}
              onInput={(e) => setMessage((e.target as HTMLInputElement).value)}
              placeholder={input.kind === "question" ? "Or answer in your own words…" : "Why (optional; the agent reads it)"}
            />
          </label>
          <ErrorLine error={error} />
          <div class="buttons">
            <button type="button" class="primary" disabled={busy} onClick={() => answer("allow")}>
              {questions.length ? "Answer" : "Allow"}
            </button>
            <button type="button" class="danger" disabled={busy} onClick={() => answer("deny")}>
              Deny
            </button>
          </div>
        </>
      ) : (
        <p class="answered">
          {pending
            ? "Waiting for an answer."
            : `${input.status === "answered" ? (input.decision === "allow" ? "Allowed" : "Denied") : input.status}` +
              (input.answered_by ? ` by ${input.answered_by.name}` : "") +
              (input.message ? `: ${input.message}` : "")}
        </p>
      )}
    </section>
  );
}

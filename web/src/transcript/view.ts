/**
 * The transcript of a session as display rows: what the reader sees, derived from the session's
 * events alone. Pure and single-pass, so the UI can rebuild it on every new event, and shaped
 * for a virtualized list (every row has a stable `key`).
 *
 * Owns: which events make rows and which are folded into earlier ones (tool results into their
 * call, a turn's later to-do list into its first, an answer into its request, usage into the
 * turn's divider), the one-line summaries of tool calls and commands, and whether the session
 * is working or has messages waiting.
 */
import type { AgentEventOf, Attachment, Author, Event, EventOf, Input, TodoItem } from "../api/types";

/** One thing the agent did inside a `steps` row. */
export interface Step {
  /** The agent's id of the call, or one made from the event's seq when it has none. */
  id: string;
  kind: "tool" | "command" | "file";
  /** The tool's name (`Bash`, `Read`, …) for a `tool` step, else null. */
  tool: string | null;
  /** One line: what was done. */
  summary: string;
  /** The full input: a tool's JSON, a command line, a path. */
  detail: string;
  output: string;
  isError: boolean;
  /** No result yet, and the turn has not ended. */
  running: boolean;
}

interface RowBase {
  /** Unique and stable across rebuilds: made from the seq of the event that opened the row. */
  key: string;
  seq: number;
}

export type Row = RowBase &
  (
    | { kind: "user"; author: Author; text: string; attachments: Attachment[]; queued: boolean }
    | { kind: "agent"; text: string }
    | { kind: "reasoning"; text: string }
    | { kind: "steps"; messageSeq: number; steps: Step[] }
    | { kind: "todo"; messageSeq: number; items: TodoItem[] }
    | {
        kind: "turn";
        messageSeq: number;
        outcome: "complete" | "error";
        error?: string;
        /** From the turn's start to its end; null when the start is not in the events. */
        durationMs: number | null;
        inputTokens: number;
        outputTokens: number;
        /** Null when no usage of the turn reported a cost. */
        costUsd: number | null;
      }
    | { kind: "notice"; source: "system" | "worker" | "error" | "loop"; text: string }
    | { kind: "input"; input: Input }
    | { kind: "cleared" }
  );

export type RowOf<K extends Row["kind"]> = Extract<Row, { kind: K }>;

type FileChangeKind = AgentEventOf<"file_change">["change"];

const MAX_SUMMARY = 120;

/** Whitespace (newlines included) collapsed to single spaces, cut to `max` characters with "…". */
function oneLine(text: string, max = MAX_SUMMARY): string {
  const line = text.replace(/\s+/g, " ").trim();
  if (line.length <= max) return line;
  // Not cutting a surrogate pair in half, which would render as a replacement character.
  return line.slice(0, max - 1).replace(/[\uD800-\uDBFF]$/, "") + "…";
}

function stringField(input: unknown, ...names: string[]): string | null {
  if (typeof input !== "object" || input === null) return null;
  const record = input as Record<string, unknown>;
  for (const name of names) {
    const value = record[name];
    if (typeof value === "string" && value.trim() !== "") return value;
  }
  return null;
}

/** The first string field of a tool's input that is short enough to mean something in one line. */
function firstShortString(input: unknown): string | null {
  if (typeof input !== "object" || input === null) return null;
  for (const value of Object.values(input)) {
    if (typeof value === "string" && value.trim() !== "" && value.length <= 200) return value;
  }
  return null;
}

function searchSummary(input: unknown): string | null {
  const pattern = stringField(input, "pattern");
  if (pattern === null) return null;
  const path = stringField(input, "path");
  return path === null ? pattern : `${pattern} in ${path}`;
}

/** What the well-known tools (Claude Code's) are about, from their input. */
const TOOL_SUMMARIES: Record<string, (input: unknown) => string | null> = {
  Bash: (input) => stringField(input, "command"),
  Read: (input) => stringField(input, "file_path", "path"),
  Edit: (input) => stringField(input, "file_path", "path"),
  Write: (input) => stringField(input, "file_path", "path"),
  MultiEdit: (input) => stringField(input, "file_path", "path"),
  NotebookEdit: (input) => stringField(input, "notebook_path", "file_path", "path"),
  Grep: searchSummary,
  Glob: searchSummary,
  WebFetch: (input) => stringField(input, "url"),
  WebSearch: (input) => stringField(input, "query"),
  Task: (input) => stringField(input, "description"),
  Agent: (input) => stringField(input, "description"),
  TodoWrite: () => "update to-dos",
};

/** One line for a tool call: what it works on, or the tool's name and its first short argument. */
export function summarizeTool(name: string, input: unknown): string {
  const known = Object.hasOwn(TOOL_SUMMARIES, name) ? TOOL_SUMMARIES[name]!(input) : null;
  if (known !== null) return oneLine(known);
  const arg = firstShortString(input);
  return oneLine(arg === null ? name : `${name} ${arg}`);
}

// Codex reports commands as the shell sees them, `bash -lc 'cargo test'`: the reader wants the
// inner command.
const SHELL_WRAPPER = /^(?:\/(?:usr\/)?bin\/)?(?:ba|z)?sh -l?c (['"])([\s\S]*)\1$/;

/** One line for a shell command, with its exit code when it failed. */
export function summarizeCommand(command: string, exitCode: number | null | undefined): string {
  const inner = SHELL_WRAPPER.exec(command.trim())?.[2] ?? command;
  const failed = exitCode !== null && exitCode !== undefined && exitCode !== 0;
  const suffix = failed ? ` (exit ${exitCode})` : "";
  return oneLine(inner, MAX_SUMMARY - suffix.length) + suffix;
}

const FILE_CHANGE_VERBS: Record<FileChangeKind, string> = { add: "added", update: "modified", delete: "deleted" };

function toolDetail(input: unknown): string {
  if (input === null || input === undefined) return "";
  return typeof input === "string" ? input : JSON.stringify(input, null, 2);
}

/** What the rows of one turn add up to, until its end makes the divider. */
interface TurnTally {
  startedAt: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  steps: Step[];
  todo: RowOf<"todo"> | null;
}

type StepEvent = AgentEventOf<"tool_call" | "tool_result" | "command_execution" | "file_change">;

/** Accumulates the rows of one `buildRows` call; every lookup is a map, so the pass is linear. */
class RowBuilder {
  readonly rows: Row[] = [];
  private lastSeq = -Infinity;
  private readonly users = new Map<number, RowOf<"user">>();
  private readonly turns = new Map<number, TurnTally>();
  private readonly steps = new Map<string, Step>();
  private readonly inputs = new Map<string, RowOf<"input">>();
  private readonly answered = new Set<string>();

  add(event: Event): void {
    // A replayed event (a resumed stream overlapping a loaded page) must not make a second row.
    if (event.seq <= this.lastSeq) return;
    this.lastSeq = event.seq;
    switch (event.type) {
      case "user_message":
        return this.userMessage(event);
      case "turn_start":
        this.turn(event.message_seq).startedAt = event.at;
        return this.unqueue(event.message_seq);
      case "agent_event":
        return this.agentEvent(event);
      case "turn_complete":
      case "turn_error":
        return this.turnEnd(event);
      case "system_notice":
        return this.push({ kind: "notice", key: `notice:${event.seq}`, seq: event.seq, source: "system", text: event.text });
      case "worker_notice":
        return this.push({ kind: "notice", key: `notice:${event.seq}`, seq: event.seq, source: "worker", text: event.text });
      case "loop_skipped":
        return this.push({
          kind: "notice",
          key: `notice:${event.seq}`,
          seq: event.seq,
          source: "loop",
          text: `${event.name}: the run due ${event.scheduled_at} was skipped (${event.reason})`,
        });
      case "context_cleared":
        return this.push({ kind: "cleared", key: `cleared:${event.seq}`, seq: event.seq });
      case "input_requested":
      case "input_answered":
        return this.input(event);
      // turn_heartbeat, session_*, change, baton_offered, unknown: nothing to show.
    }
  }

  private push(row: Row): void {
    this.rows.push(row);
  }

  private turn(messageSeq: number): TurnTally {
    let tally = this.turns.get(messageSeq);
    if (!tally) {
      tally = { startedAt: null, inputTokens: 0, outputTokens: 0, costUsd: null, steps: [], todo: null };
      this.turns.set(messageSeq, tally);
    }
    return tally;
  }

  private userMessage(event: EventOf<"user_message">): void {
    const row: RowOf<"user"> = {
      kind: "user",
      key: `user:${event.seq}`,
      seq: event.seq,
      author: event.author,
      text: event.text,
      attachments: event.attachments ?? [],
      queued: true,
    };
    this.users.set(event.seq, row);
    this.push(row);
  }

  private unqueue(messageSeq: number): void {
    const user = this.users.get(messageSeq);
    if (user) user.queued = false;
  }

  private agentEvent(event: EventOf<"agent_event">): void {
    const messageSeq = event.message_seq;
    // Anything the agent does for a message means its turn has started, even if the start is missing.
    this.unqueue(messageSeq);
    const agent = event.event;
    switch (agent.kind) {
      case "agent_message":
        return this.pushText("agent", event.seq, agent.text);
      case "reasoning":
        return this.pushText("reasoning", event.seq, agent.text);
      case "tool_call":
      case "tool_result":
      case "command_execution":
      case "file_change":
        return this.step(event.seq, messageSeq, agent);
      case "todo_list":
        return this.todo(event.seq, messageSeq, agent.items);
      case "usage":
        return this.usage(messageSeq, agent);
      case "error":
        return this.push({ kind: "notice", key: `notice:${event.seq}`, seq: event.seq, source: "error", text: agent.message });
      // thread and unknown: nothing to show.
    }
  }

  // An empty text (redacted thinking, a message that was all tool calls) would be an empty bubble.
  private pushText(kind: "agent" | "reasoning", seq: number, text: string): void {
    if (text.trim() !== "") this.push({ kind, key: `${kind}:${seq}`, seq, text });
  }

  private step(seq: number, messageSeq: number, agent: StepEvent): void {
    const known = "id" in agent && agent.id !== "" ? this.steps.get(agent.id) : undefined;
    if (known) return updateStep(known, agent);
    const step = newStep(seq, agent);
    this.steps.set(step.id, step);
    this.turn(messageSeq).steps.push(step);
    const last = this.rows[this.rows.length - 1];
    if (last?.kind === "steps" && last.messageSeq === messageSeq) last.steps.push(step);
    else this.push({ kind: "steps", key: `steps:${seq}`, seq, messageSeq, steps: [step] });
  }

  private todo(seq: number, messageSeq: number, items: TodoItem[]): void {
    const tally = this.turn(messageSeq);
    if (tally.todo) {
      tally.todo.items = items;
      return;
    }
    tally.todo = { kind: "todo", key: `todo:${seq}`, seq, messageSeq, items };
    this.push(tally.todo);
  }

  private usage(messageSeq: number, usage: AgentEventOf<"usage">): void {
    const tally = this.turn(messageSeq);
    tally.inputTokens += usage.input_tokens;
    tally.outputTokens += usage.output_tokens;
    if (usage.cost_usd !== null && usage.cost_usd !== undefined) {
      tally.costUsd = (tally.costUsd ?? 0) + usage.cost_usd;
    }
  }

  private turnEnd(event: EventOf<"turn_complete"> | EventOf<"turn_error">): void {
    const messageSeq = event.message_seq;
    this.unqueue(messageSeq);
    const tally = this.turn(messageSeq);
    // Whatever had no result when its turn ended will not get one.
    for (const step of tally.steps) step.running = false;
    this.push({
      kind: "turn",
      key: `turn:${event.seq}`,
      seq: event.seq,
      messageSeq,
      outcome: event.type === "turn_error" ? "error" : "complete",
      ...(event.type === "turn_error" ? { error: event.message } : {}),
      durationMs: duration(tally.startedAt, event.at),
      inputTokens: tally.inputTokens,
      outputTokens: tally.outputTokens,
      costUsd: tally.costUsd,
    });
  }

  private input(event: EventOf<"input_requested"> | EventOf<"input_answered">): void {
    const id = event.input.request_id;
    // An answer is final: a request repeated after it (a retried post) must not reopen it.
    if (event.type === "input_requested" && this.answered.has(id)) return;
    if (event.type === "input_answered") this.answered.add(id);
    const row = this.inputs.get(id);
    if (row) {
      row.input = event.input;
      return;
    }
    const created: RowOf<"input"> = { kind: "input", key: `input:${event.seq}`, seq: event.seq, input: event.input };
    this.inputs.set(id, created);
    this.push(created);
  }
}

function newStep(seq: number, agent: StepEvent): Step {
  switch (agent.kind) {
    case "tool_call":
      return {
        id: agent.id,
        kind: "tool",
        tool: agent.name,
        summary: summarizeTool(agent.name, agent.input),
        detail: toolDetail(agent.input),
        output: "",
        isError: false,
        running: true,
      };
    case "tool_result":
      // Its call is before the loaded history: the result is all there is to show.
      return { id: agent.id, kind: "tool", tool: null, summary: "tool result", detail: "", ...resultFields(agent) };
    case "command_execution":
      return {
        id: agent.id !== "" ? agent.id : `command:${seq}`,
        kind: "command",
        tool: null,
        detail: agent.command,
        ...commandFields(agent),
      };
    case "file_change":
      return {
        id: `file:${seq}`,
        kind: "file",
        tool: null,
        summary: oneLine(`${FILE_CHANGE_VERBS[agent.change]} ${agent.path}`),
        detail: agent.path,
        output: "",
        isError: false,
        running: false,
      };
  }
}

function resultFields(result: AgentEventOf<"tool_result">): Pick<Step, "output" | "isError" | "running"> {
  return { output: result.output, isError: result.is_error, running: false };
}

// A command is reported when it starts (no exit code) and again when it ends.
function commandFields(command: AgentEventOf<"command_execution">): Pick<Step, "summary" | "output" | "isError" | "running"> {
  const done = command.exit_code !== null && command.exit_code !== undefined;
  return {
    summary: summarizeCommand(command.command, command.exit_code),
    output: command.output ?? "",
    isError: done && command.exit_code !== 0,
    running: !done,
  };
}

function updateStep(step: Step, agent: StepEvent): void {
  if (agent.kind === "tool_result") Object.assign(step, resultFields(agent));
  else if (agent.kind === "command_execution") Object.assign(step, commandFields(agent));
}

function duration(start: string | null, end: string): number | null {
  if (start === null) return null;
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) ? ms : null;
}

/** A session's events (sorted by seq, gaps allowed, possibly from mid-history) as rows, oldest first. */
export function buildRows(events: readonly Event[]): Row[] {
  const builder = new RowBuilder();
  for (const event of events) builder.add(event);
  return builder.rows;
}

/** Whether a turn is running (and for which message), and how many messages wait for theirs. */
export function turnState(events: readonly Event[]): { working: boolean; messageSeq: number | null; queued: number } {
  const queued = new Set<number>();
  const ended = new Set<number>();
  let running: number | null = null;
  for (const event of events) {
    switch (event.type) {
      case "user_message":
        queued.add(event.seq);
        break;
      // A heartbeat or an agent event of a turn not yet ended also shows it running, for a
      // history that starts after the turn did.
      case "turn_start":
      case "turn_heartbeat":
      case "agent_event":
        queued.delete(event.message_seq);
        if (!ended.has(event.message_seq)) running = event.message_seq;
        break;
      case "turn_complete":
      case "turn_error":
        queued.delete(event.message_seq);
        ended.add(event.message_seq);
        if (running === event.message_seq) running = null;
        break;
    }
  }
  return { working: running !== null, messageSeq: running, queued: queued.size };
}

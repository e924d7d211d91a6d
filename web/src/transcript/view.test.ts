import { describe, expect, test } from "vitest";
import type { AgentEvent, Author, Event, Input, TodoItem } from "../api/types";
import { buildRows, type Row, type RowOf, summarizeCommand, summarizeTool, turnState } from "./view";

type Body = Event extends infer E ? (E extends Event ? Omit<E, "seq" | "at"> : never) : never;

const ANN: Author = { kind: "user", id: 1, name: "ann" };
const T0 = Date.parse("2026-03-01T10:00:00Z");

/** A session's events in the making: each gets the next seq, and `at` = T0 + seq seconds. */
class History {
  readonly events: Event[] = [];
  private seq: number;

  constructor(firstSeq = 1) {
    this.seq = firstSeq - 1;
  }

  add(body: Body): number {
    this.seq += 1;
    this.events.push({ ...body, seq: this.seq, at: new Date(T0 + this.seq * 1000).toISOString() } as Event);
    return this.seq;
  }

  user(text = "hi"): number {
    return this.add({ type: "user_message", text, author: ANN });
  }
  start(messageSeq: number): number {
    return this.add({ type: "turn_start", message_seq: messageSeq });
  }
  complete(messageSeq: number): number {
    return this.add({ type: "turn_complete", message_seq: messageSeq });
  }
  agent(messageSeq: number, event: AgentEvent): number {
    return this.add({ type: "agent_event", message_seq: messageSeq, event });
  }
  say(messageSeq: number, text: string): number {
    return this.agent(messageSeq, { kind: "agent_message", text });
  }
  call(messageSeq: number, id: string, name = "Bash", input: unknown = { command: `echo ${id}` }): number {
    return this.agent(messageSeq, { kind: "tool_call", id, name, input });
  }
  result(messageSeq: number, id: string, output = `out ${id}`, isError = false): number {
    return this.agent(messageSeq, { kind: "tool_result", id, output, is_error: isError });
  }
  usage(messageSeq: number, input: number, output: number, cost?: number): number {
    return this.agent(messageSeq, { kind: "usage", input_tokens: input, output_tokens: output, cost_usd: cost ?? null });
  }
  todo(messageSeq: number, items: TodoItem[]): number {
    return this.agent(messageSeq, { kind: "todo_list", items });
  }
  input(type: "input_requested" | "input_answered", input: Input): number {
    return this.add({ type, input });
  }
}

function inputOf(requestId: string, status: Input["status"], messageSeq = 1): Input {
  return {
    request_id: requestId,
    session_id: 7,
    message_seq: messageSeq,
    kind: "approval",
    status,
    summary: "Run cargo test",
    tool: "Bash",
    input: { command: "cargo test" },
    requested_at: "2026-03-01T10:00:00Z",
    expires_at: "2026-03-01T11:00:00Z",
    ...(status === "answered" ? { decision: "allow" as const, answered_at: "2026-03-01T10:01:00Z" } : {}),
  };
}

const kinds = (rows: Row[]) => rows.map((r) => r.kind);
function only<K extends Row["kind"]>(rows: Row[], kind: K): RowOf<K>[] {
  return rows.filter((r): r is RowOf<K> => r.kind === kind);
}

describe("steps", () => {
  test("consecutive tool calls, results, commands and file changes make one row", () => {
    const h = new History();
    const m = h.user();
    h.start(m);
    h.call(m, "a");
    h.result(m, "a");
    h.agent(m, { kind: "command_execution", id: "c1", command: "ls", output: "x", exit_code: 0 });
    h.agent(m, { kind: "file_change", path: "src/a.rs", change: "update" });
    const rows = buildRows(h.events);
    expect(kinds(rows)).toEqual(["user", "steps"]);
    const [group] = only(rows, "steps");
    expect(group!.steps.map((s) => [s.kind, s.summary])).toEqual([
      ["tool", "echo a"],
      ["command", "ls"],
      ["file", "modified src/a.rs"],
    ]);
  });

  test("an agent message in between splits the group", () => {
    const h = new History();
    const m = h.user();
    h.start(m);
    h.call(m, "a");
    h.say(m, "now the next");
    h.call(m, "b");
    const rows = buildRows(h.events);
    expect(kinds(rows)).toEqual(["user", "steps", "agent", "steps"]);
    expect(only(rows, "steps").map((r) => r.steps.map((s) => s.id))).toEqual([["a"], ["b"]]);
  });

  test("events that show nothing do not split the group", () => {
    const h = new History();
    const m = h.user();
    h.start(m);
    h.call(m, "a");
    h.add({ type: "turn_heartbeat", message_seq: m });
    h.usage(m, 1, 1);
    h.agent(m, { kind: "thread", id: "t" });
    h.call(m, "b");
    expect(kinds(buildRows(h.events))).toEqual(["user", "steps"]);
  });

  test("steps of different turns are never grouped", () => {
    // Mid-history: the first turn's end is missing, so nothing else separates the two.
    const h = new History(10);
    h.call(3, "a");
    h.call(10, "b");
    const rows = only(buildRows(h.events), "steps");
    expect(rows.map((r) => [r.messageSeq, r.steps.length])).toEqual([
      [3, 1],
      [10, 1],
    ]);
  });

  test("a result pairs with its call by id, whatever the order", () => {
    const h = new History();
    const m = h.user();
    h.start(m);
    h.call(m, "a");
    h.call(m, "b");
    h.result(m, "b", "B out");
    h.result(m, "a", "A failed", true);
    const [group] = only(buildRows(h.events), "steps");
    expect(group!.steps.map((s) => [s.id, s.output, s.isError, s.running])).toEqual([
      ["a", "A failed", true, false],
      ["b", "B out", false, false],
    ]);
  });

  test("a late result updates its step in an earlier group, adding no row", () => {
    const h = new History();
    const m = h.user();
    h.start(m);
    h.call(m, "a");
    h.say(m, "meanwhile");
    h.call(m, "b");
    h.result(m, "a", "late");
    const rows = buildRows(h.events);
    expect(kinds(rows)).toEqual(["user", "steps", "agent", "steps"]);
    const [first, second] = only(rows, "steps");
    expect(first!.steps[0]).toMatchObject({ id: "a", output: "late", running: false });
    expect(second!.steps).toHaveLength(1);
  });

  test("a call without a result is running until its turn ends", () => {
    const h = new History();
    const m = h.user();
    h.start(m);
    h.call(m, "a", "Read", { file_path: "/x" });
    const running = only(buildRows(h.events), "steps")[0]!.steps[0]!;
    expect(running).toMatchObject({ running: true, tool: "Read", detail: '{\n  "file_path": "/x"\n}' });
    h.complete(m);
    expect(only(buildRows(h.events), "steps")[0]!.steps[0]!.running).toBe(false);
  });

  test("a result whose call is before the history still shows", () => {
    const h = new History(50);
    h.result(4, "old", "output of old");
    const [group] = only(buildRows(h.events), "steps");
    expect(group!.steps).toEqual([
      { id: "old", kind: "tool", tool: null, summary: "tool result", detail: "", output: "output of old", isError: false, running: false },
    ]);
  });

  test("a command reported at its start and its end is one step", () => {
    const h = new History();
    const m = h.user();
    h.start(m);
    h.agent(m, { kind: "command_execution", id: "c", command: "bash -lc 'cargo test'", exit_code: null });
    const started = only(buildRows(h.events), "steps")[0]!.steps[0]!;
    expect(started).toMatchObject({ running: true, summary: "cargo test", detail: "bash -lc 'cargo test'", isError: false });
    h.agent(m, { kind: "command_execution", id: "c", command: "bash -lc 'cargo test'", output: "1 failed", exit_code: 101 });
    const [group] = only(buildRows(h.events), "steps");
    expect(group!.steps).toHaveLength(1);
    expect(group!.steps[0]).toMatchObject({ running: false, isError: true, output: "1 failed", summary: "cargo test (exit 101)" });
  });

  test("commands without an id are distinct steps", () => {
    const h = new History();
    const m = h.user();
    h.start(m);
    h.agent(m, { kind: "command_execution", id: "", command: "ls", exit_code: 0 });
    h.agent(m, { kind: "command_execution", id: "", command: "pwd", exit_code: 0 });
    const steps = only(buildRows(h.events), "steps")[0]!.steps;
    expect(steps.map((s) => s.summary)).toEqual(["ls", "pwd"]);
    expect(new Set(steps.map((s) => s.id)).size).toBe(2);
  });

  test.each([
    ["add", "added src/new.rs"],
    ["update", "modified src/new.rs"],
    ["delete", "deleted src/new.rs"],
  ] as const)("a file change %s reads %j", (change, summary) => {
    const h = new History();
    h.agent(1, { kind: "file_change", path: "src/new.rs", change });
    expect(only(buildRows(h.events), "steps")[0]!.steps[0]).toMatchObject({ kind: "file", summary, running: false });
  });
});

describe("summarizeTool", () => {
  test.each([
    ["Bash", { command: "cargo test -p edge", description: "Run tests" }, "cargo test -p edge"],
    ["Read", { file_path: "/repo/src/lib.rs" }, "/repo/src/lib.rs"],
    ["Edit", { file_path: "src/a.rs", old_string: "a", new_string: "b" }, "src/a.rs"],
    ["Write", { file_path: "notes.md", content: "# hi" }, "notes.md"],
    ["MultiEdit", { file_path: "src/b.rs", edits: [] }, "src/b.rs"],
    ["NotebookEdit", { notebook_path: "a.ipynb", new_source: "x" }, "a.ipynb"],
    ["Read", { path: "by/path.txt" }, "by/path.txt"],
    ["Grep", { pattern: "fn main", path: "src" }, "fn main in src"],
    ["Grep", { pattern: "TODO" }, "TODO"],
    ["Glob", { pattern: "**/*.ts" }, "**/*.ts"],
    ["WebFetch", { url: "https://example.com", prompt: "summarize" }, "https://example.com"],
    ["WebSearch", { query: "preact signals" }, "preact signals"],
    ["Task", { description: "Find the bug", prompt: "long prompt" }, "Find the bug"],
    ["Agent", { description: "Review", prompt: "p" }, "Review"],
    ["TodoWrite", { todos: [] }, "update to-dos"],
  ])("%s %j → %j", (name, input, summary) => {
    expect(summarizeTool(name, input)).toBe(summary);
  });

  test("an unknown tool shows its name and first short string argument", () => {
    expect(summarizeTool("mcp__github__get_issue", { number: 4, repo: "baton", body: "x".repeat(500) })).toBe(
      "mcp__github__get_issue baton",
    );
  });

  test("an unknown tool with no string argument shows its name", () => {
    expect(summarizeTool("Ping", { n: 1 })).toBe("Ping");
    expect(summarizeTool("Ping", null)).toBe("Ping");
    expect(summarizeTool("Ping", "a string input")).toBe("Ping");
  });

  test("a known tool without its field falls back to name and argument", () => {
    expect(summarizeTool("Bash", { description: "no command" })).toBe("Bash no command");
  });

  test("a tool name that is an Object property is not a known tool", () => {
    expect(summarizeTool("toString", { x: "y" })).toBe("toString y");
  });

  test("newlines and runs of whitespace collapse to single spaces", () => {
    expect(summarizeTool("Bash", { command: "cd web &&\n\n  npm test\t--run\n" })).toBe("cd web && npm test --run");
  });

  test("a long summary is cut to 120 characters with an ellipsis", () => {
    const summary = summarizeTool("Bash", { command: "echo " + "a".repeat(300) });
    expect(summary).toHaveLength(120);
    expect(summary.endsWith("…")).toBe(true);
    expect(summary.startsWith("echo aaa")).toBe(true);
  });

  test("a cut never splits a surrogate pair", () => {
    const summary = summarizeTool("Bash", { command: "x".repeat(118) + "😀😀" });
    expect(summary).toBe("x".repeat(118) + "…");
  });
});

describe("summarizeCommand", () => {
  test("a command that succeeded or still runs is only the command", () => {
    expect(summarizeCommand("ls -la", 0)).toBe("ls -la");
    expect(summarizeCommand("ls -la", null)).toBe("ls -la");
    expect(summarizeCommand("ls -la", undefined)).toBe("ls -la");
  });

  test("a failed command shows its exit code", () => {
    expect(summarizeCommand("false", 1)).toBe("false (exit 1)");
  });

  test("a shell wrapper is unwrapped", () => {
    expect(summarizeCommand(`/bin/bash -lc "cd web && npm test"`, 0)).toBe("cd web && npm test");
    expect(summarizeCommand("sh -c 'make'", 2)).toBe("make (exit 2)");
  });

  test("a long failed command is cut but keeps its exit code", () => {
    const summary = summarizeCommand("b".repeat(300), 127);
    expect(summary).toHaveLength(120);
    expect(summary.endsWith("… (exit 127)")).toBe(true);
  });
});

describe("queued messages", () => {
  test("a message is queued until its turn starts", () => {
    const h = new History();
    const m = h.user();
    expect(only(buildRows(h.events), "user")[0]!.queued).toBe(true);
    h.start(m);
    expect(only(buildRows(h.events), "user")[0]!.queued).toBe(false);
  });

  test("messages sent while a turn runs stay queued until theirs start", () => {
    const h = new History();
    const m1 = h.user("first");
    h.start(m1);
    const m2 = h.user("second");
    h.user("third");
    let users = only(buildRows(h.events), "user");
    expect(users.map((u) => u.queued)).toEqual([false, true, true]);
    expect(turnState(h.events)).toEqual({ working: true, messageSeq: m1, queued: 2 });
    h.complete(m1);
    h.start(m2);
    users = only(buildRows(h.events), "user");
    expect(users.map((u) => u.queued)).toEqual([false, false, true]);
    expect(turnState(h.events)).toEqual({ working: true, messageSeq: m2, queued: 1 });
  });

  test("a turn that ends without a start (a failed dispatch) unqueues its message", () => {
    const h = new History();
    const m = h.user();
    h.add({ type: "turn_error", message_seq: m, message: "no worker", synthetic: true });
    expect(only(buildRows(h.events), "user")[0]!.queued).toBe(false);
    expect(turnState(h.events).queued).toBe(0);
  });

  test("the user row keeps author, text and attachments", () => {
    const h = new History();
    const attachment = { id: 3, filename: "a.png", content_type: "image/png", size: 10 };
    h.add({ type: "user_message", text: "look", author: ANN, attachments: [attachment] });
    h.user("plain");
    const users = only(buildRows(h.events), "user");
    expect(users[0]).toMatchObject({ author: ANN, text: "look", attachments: [attachment] });
    expect(users[1]!.attachments).toEqual([]);
  });
});

describe("turn divider", () => {
  test("sums the turn's usage and measures from its start", () => {
    const h = new History();
    const m = h.user();
    h.start(m); // at T0 + 2 s
    h.usage(m, 100, 10, 0.25);
    h.say(m, "done");
    h.usage(m, 50, 5, 0.5);
    h.complete(m); // at T0 + 6 s
    const [turn] = only(buildRows(h.events), "turn");
    expect(turn).toEqual({
      kind: "turn",
      key: "turn:6",
      seq: 6,
      messageSeq: m,
      outcome: "complete",
      durationMs: 4000,
      inputTokens: 150,
      outputTokens: 15,
      costUsd: 0.75,
    });
  });

  test("usage of another turn is not counted", () => {
    const h = new History();
    const m1 = h.user();
    h.start(m1);
    h.usage(m1, 1, 1, 1);
    h.complete(m1);
    const m2 = h.user();
    h.start(m2);
    h.usage(m2, 7, 3);
    h.complete(m2);
    const turns = only(buildRows(h.events), "turn");
    expect(turns.map((t) => [t.messageSeq, t.inputTokens, t.outputTokens, t.costUsd])).toEqual([
      [m1, 1, 1, 1],
      [m2, 7, 3, null],
    ]);
  });

  test("an error ends the turn with its message", () => {
    const h = new History();
    const m = h.user();
    h.start(m);
    h.add({ type: "turn_error", message_seq: m, message: "agent crashed", synthetic: false });
    const [turn] = only(buildRows(h.events), "turn");
    expect(turn).toMatchObject({ outcome: "error", error: "agent crashed", durationMs: 1000, costUsd: null });
  });

  test("a complete turn has no error field", () => {
    const h = new History();
    h.start(1);
    h.complete(1);
    expect("error" in only(buildRows(h.events), "turn")[0]!).toBe(false);
  });
});

describe("input requests", () => {
  test("an answer replaces the request in place", () => {
    const h = new History();
    const m = h.user();
    h.start(m);
    h.input("input_requested", inputOf("r1", "pending", m));
    h.say(m, "waiting");
    h.input("input_answered", inputOf("r1", "answered", m));
    const rows = buildRows(h.events);
    expect(kinds(rows)).toEqual(["user", "input", "agent"]);
    const [row] = only(rows, "input");
    expect(row!.key).toBe("input:3");
    expect(row!.input.status).toBe("answered");
    expect(row!.input.decision).toBe("allow");
  });

  test("a request repeated after its answer does not reopen it", () => {
    const h = new History();
    h.input("input_requested", inputOf("r1", "pending"));
    h.input("input_answered", inputOf("r1", "answered"));
    h.input("input_requested", inputOf("r1", "pending"));
    const rows = only(buildRows(h.events), "input");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.input.status).toBe("answered");
  });

  test("an answer whose request is before the history makes its own row", () => {
    const h = new History(40);
    h.input("input_answered", inputOf("r9", "answered"));
    expect(only(buildRows(h.events), "input").map((r) => r.input.request_id)).toEqual(["r9"]);
  });

  test("different requests are different rows", () => {
    const h = new History();
    h.input("input_requested", inputOf("r1", "pending"));
    h.input("input_requested", inputOf("r2", "pending"));
    expect(only(buildRows(h.events), "input")).toHaveLength(2);
  });
});

describe("to-do lists", () => {
  test("a later list of the same turn replaces the first one in place", () => {
    const h = new History();
    const m = h.user();
    h.start(m);
    h.todo(m, [{ text: "a", done: false }]);
    h.say(m, "working");
    h.todo(m, [
      { text: "a", done: true },
      { text: "b", done: false },
    ]);
    const rows = buildRows(h.events);
    expect(kinds(rows)).toEqual(["user", "todo", "agent"]);
    expect(only(rows, "todo")[0]!.items).toEqual([
      { text: "a", done: true },
      { text: "b", done: false },
    ]);
  });

  test("another turn's list is a new row", () => {
    const h = new History();
    h.todo(1, [{ text: "a", done: false }]);
    h.complete(1);
    h.todo(5, [{ text: "b", done: false }]);
    expect(only(buildRows(h.events), "todo").map((r) => r.items[0]!.text)).toEqual(["a", "b"]);
  });
});

describe("text rows", () => {
  test("reasoning and agent messages are rows of their own", () => {
    const h = new History();
    const m = h.user();
    h.agent(m, { kind: "reasoning", text: "thinking about it" });
    h.say(m, "**Done**");
    const rows = buildRows(h.events);
    expect(rows.slice(1)).toEqual([
      { kind: "reasoning", key: "reasoning:2", seq: 2, text: "thinking about it" },
      { kind: "agent", key: "agent:3", seq: 3, text: "**Done**" },
    ]);
  });

  test("empty texts make no row", () => {
    const h = new History();
    h.agent(1, { kind: "reasoning", text: "" });
    h.say(1, "  \n");
    expect(buildRows(h.events)).toEqual([]);
  });

  test("notices from the system, the worker and agent errors", () => {
    const h = new History();
    h.add({ type: "system_notice", text: "model switched" });
    h.add({ type: "worker_notice", text: "worker restarted" });
    h.agent(1, { kind: "error", message: "rate limited" });
    h.add({ type: "loop_skipped", loop_id: 3, name: "standup", scheduled_at: "2026-12-02T09:00:00.000Z", reason: "W-2 is offline" });
    expect(only(buildRows(h.events), "notice").map((n) => [n.source, n.text])).toEqual([
      ["system", "model switched"],
      ["worker", "worker restarted"],
      ["error", "rate limited"],
      ["loop", "standup: the run due 2026-12-02T09:00:00.000Z was skipped (W-2 is offline)"],
    ]);
  });

  test("a cleared context is a divider", () => {
    const h = new History();
    h.user();
    h.add({ type: "context_cleared" });
    expect(buildRows(h.events)[1]).toEqual({ kind: "cleared", key: "cleared:2", seq: 2 });
  });

  test("events without a view make no rows", () => {
    const h = new History();
    h.add({ type: "session_start", session_id: 1 });
    h.add({ type: "change", action: "updated", entity: "task", id: 4 });
    h.add({ type: "baton_offered", baton_id: "b" });
    h.add({ type: "unknown" });
    h.add({ type: "turn_heartbeat", message_seq: 1 });
    h.agent(1, { kind: "thread", id: "t" });
    h.agent(1, { kind: "unknown" });
    h.usage(1, 1, 1);
    expect(buildRows(h.events)).toEqual([]);
  });
});

describe("history", () => {
  test("starting mid-turn: an end without a start has no duration", () => {
    const h = new History(100);
    h.say(90, "…and that is it");
    h.usage(90, 5, 6);
    h.complete(90);
    const rows = buildRows(h.events);
    expect(kinds(rows)).toEqual(["agent", "turn"]);
    expect(only(rows, "turn")[0]).toMatchObject({ messageSeq: 90, durationMs: null, inputTokens: 5, outputTokens: 6 });
  });

  test("gaps in seq are fine and keys are unique", () => {
    const h = new History();
    const m = h.user();
    h.start(m);
    h.add({ type: "system_notice", text: "x" });
    h.events.push({ seq: 50, at: new Date(T0).toISOString(), type: "worker_notice", text: "after a gap" });
    const rows = buildRows(h.events);
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((r) => r.key)).size).toBe(3);
  });

  test("a replayed event makes no second row", () => {
    const h = new History();
    h.user();
    h.add({ type: "system_notice", text: "once" });
    const replayed = [...h.events, ...h.events];
    expect(kinds(buildRows(replayed))).toEqual(["user", "notice"]);
  });

  test("keys stay the same as events arrive", () => {
    const h = new History();
    const m = h.user();
    h.start(m);
    h.call(m, "a");
    const before = buildRows(h.events).map((r) => r.key);
    h.result(m, "a");
    h.call(m, "b");
    h.say(m, "done");
    h.complete(m);
    const after = buildRows(h.events).map((r) => r.key);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after).toHaveLength(before.length + 2);
  });
});

describe("turnState", () => {
  test("idle without events", () => {
    expect(turnState([])).toEqual({ working: false, messageSeq: null, queued: 0 });
  });

  test("working from a turn's start to its end", () => {
    const h = new History();
    const m = h.user();
    expect(turnState(h.events)).toEqual({ working: false, messageSeq: null, queued: 1 });
    h.start(m);
    expect(turnState(h.events)).toEqual({ working: true, messageSeq: m, queued: 0 });
    h.complete(m);
    expect(turnState(h.events)).toEqual({ working: false, messageSeq: null, queued: 0 });
  });

  test("the last start counts, even when an older turn's end is missing", () => {
    const h = new History();
    h.start(1);
    h.start(5);
    expect(turnState(h.events)).toMatchObject({ working: true, messageSeq: 5 });
    h.complete(1);
    expect(turnState(h.events)).toMatchObject({ working: true, messageSeq: 5 });
  });

  test("a history that starts mid-turn is working from the turn's heartbeat", () => {
    const h = new History(30);
    h.add({ type: "turn_heartbeat", message_seq: 20 });
    expect(turnState(h.events)).toEqual({ working: true, messageSeq: 20, queued: 0 });
  });

  test("an event of an ended turn does not make it run again", () => {
    const h = new History();
    h.start(1);
    h.complete(1);
    h.usage(1, 1, 1);
    expect(turnState(h.events).working).toBe(false);
  });
});

describe("performance", () => {
  /** One turn of 20 events that makes 9 rows. */
  function turn(h: History, n: number): void {
    const m = h.user(`message ${n}`);
    h.start(m);
    h.agent(m, { kind: "reasoning", text: "let me look" });
    h.say(m, "Looking at the code.");
    h.call(m, `r${n}`, "Read", { file_path: `src/${n}.rs` });
    h.result(m, `r${n}`, "fn main() {}");
    h.call(m, `g${n}`, "Grep", { pattern: "main" });
    h.result(m, `g${n}`, "src/main.rs");
    h.agent(m, { kind: "command_execution", id: `c${n}`, command: "cargo test", output: "ok", exit_code: 0 });
    h.agent(m, { kind: "file_change", path: `src/${n}.rs`, change: "update" });
    h.todo(m, [{ text: "read", done: false }]);
    h.todo(m, [{ text: "read", done: true }]);
    h.usage(m, 1000, 100, 0.01);
    h.usage(m, 10, 1, 0.001);
    h.add({ type: "turn_heartbeat", message_seq: m });
    h.say(m, "Done: **fixed**.");
    h.input("input_requested", inputOf(`q${n}`, "pending", m));
    h.input("input_answered", inputOf(`q${n}`, "answered", m));
    h.add({ type: "system_notice", text: "checkpoint" });
    h.complete(m);
  }

  test("10,000 events build in well under the frame budget of a slow machine", () => {
    const h = new History();
    for (let n = 0; n < 500; n++) turn(h, n);
    expect(h.events).toHaveLength(10_000);
    const started = performance.now();
    const rows = buildRows(h.events);
    const elapsed = performance.now() - started;
    expect(rows).toHaveLength(500 * 9);
    expect(only(rows, "steps").every((r) => r.steps.length === 4 && r.steps.every((s) => !s.running))).toBe(true);
    expect(only(rows, "turn")[499]).toMatchObject({ inputTokens: 1010, outputTokens: 101, durationMs: 18_000 });
    expect(elapsed).toBeLessThan(500);
  });
});

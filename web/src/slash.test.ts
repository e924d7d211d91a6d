import { describe, expect, test } from "vitest";
import { completeSlash, parseSlash, SLASH_COMMANDS } from "./slash";

describe("parseSlash: plain messages", () => {
  test.each([
    ["hello"],
    [""],
    ["   "],
    ["please run /help"],
    ["/path/to/file is broken"],
    ["/src/main.rs"],
    ["/"],
    ["// a comment"],
    ["/. hidden"],
  ])("%j is not a command", (text) => {
    expect(parseSlash(text)).toBeNull();
  });
});

describe("parseSlash: commands without arguments", () => {
  test.each([["help"], ["clear"], ["abort"]] as const)("/%s", (name) => {
    expect(parseSlash(`/${name}`)).toEqual({ kind: name });
  });

  test("surrounding whitespace and case do not matter", () => {
    expect(parseSlash("  /HeLp \n")).toEqual({ kind: "help" });
  });

  test("an argument is an error with the usage", () => {
    expect(parseSlash("/clear everything")).toEqual({ kind: "error", message: "usage: /clear" });
  });
});

describe("parseSlash: unknown commands", () => {
  test("name the command and point to /help", () => {
    expect(parseSlash("/foo")).toEqual({ kind: "error", message: "unknown command /foo: try /help" });
  });

  test("with arguments too", () => {
    expect(parseSlash("/deploy now")).toEqual({ kind: "error", message: "unknown command /deploy: try /help" });
  });

  test("a prefix of a command is not that command", () => {
    expect(parseSlash("/hel")).toEqual({ kind: "error", message: "unknown command /hel: try /help" });
  });
});

describe("parseSlash: /plan", () => {
  test("without an argument it toggles", () => {
    expect(parseSlash("/plan")).toEqual({ kind: "plan", on: null });
  });

  test.each([
    ["/plan on", true],
    ["/plan off", false],
    ["/plan ON", true],
  ])("%s", (text, on) => {
    expect(parseSlash(text)).toEqual({ kind: "plan", on });
  });

  test.each([["/plan maybe"], ["/plan on off"]])("%s is an error with the usage", (text) => {
    expect(parseSlash(text)).toEqual({ kind: "error", message: "usage: /plan [on|off]" });
  });
});

describe("parseSlash: /model", () => {
  test("a name alone", () => {
    expect(parseSlash("/model claude-opus-4")).toEqual({ kind: "model", name: "claude-opus-4", effort: null });
  });

  test.each([["low"], ["medium"], ["high"]] as const)("with the effort %s", (effort) => {
    expect(parseSlash(`/model gpt-5 ${effort}`)).toEqual({ kind: "model", name: "gpt-5", effort });
  });

  test("the effort is case-insensitive, the name keeps its case", () => {
    expect(parseSlash("/model Sonnet HIGH")).toEqual({ kind: "model", name: "Sonnet", effort: "high" });
  });

  test("without a name it is an error with the usage", () => {
    expect(parseSlash("/model")).toEqual({ kind: "error", message: "usage: /model <name> [low|medium|high]" });
  });

  test("an unknown effort names the choices", () => {
    const result = parseSlash("/model gpt-5 extreme");
    expect(result).toMatchObject({ kind: "error" });
    expect(result?.kind === "error" && result.message).toContain("low, medium, high");
  });

  test("too many words is an error", () => {
    expect(parseSlash("/model a high extra")).toMatchObject({ kind: "error", message: expect.stringContaining("usage") });
  });
});

describe("parseSlash: /permissions", () => {
  test.each([["ask"], ["allow_all"]] as const)("%s", (policy) => {
    expect(parseSlash(`/permissions ${policy}`)).toEqual({ kind: "permissions", policy });
  });

  test.each([["/permissions"], ["/permissions plan"], ["/permissions yolo"], ["/permissions ask allow_all"]])(
    "%s is an error naming the choices",
    (text) => {
      expect(parseSlash(text)).toEqual({ kind: "error", message: "permissions must be one of ask, allow_all" });
    },
  );
});

describe("SLASH_COMMANDS", () => {
  test("lists every command once, each parseable from its own name", () => {
    const names = SLASH_COMMANDS.map((c) => c.name);
    expect(names).toEqual(["help", "clear", "abort", "plan", "model", "permissions"]);
    for (const command of SLASH_COMMANDS) {
      expect(command.usage.startsWith(`/${command.name}`)).toBe(true);
      expect(command.description.length).toBeGreaterThan(0);
      expect(parseSlash(`/${command.name}`)?.kind).toBe(
        command.name === "model" || command.name === "permissions" ? "error" : command.name,
      );
    }
  });
});

describe("completeSlash", () => {
  const names = (text: string) => completeSlash(text).map((c) => c.name);

  test("a lone slash offers everything", () => {
    expect(names("/")).toEqual(SLASH_COMMANDS.map((c) => c.name));
  });

  test("matches on the prefix of the name", () => {
    expect(names("/p")).toEqual(["plan", "permissions"]);
    expect(names("/pe")).toEqual(["permissions"]);
    expect(names("/M")).toEqual(["model"]);
  });

  test("a full name still offers that command", () => {
    expect(names("/model")).toEqual(["model"]);
  });

  test("offers nothing once the first word is done", () => {
    expect(names("/model x")).toEqual([]);
    expect(names("/plan ")).toEqual([]);
  });

  test("offers nothing for text that is not a command", () => {
    expect(names("hello")).toEqual([]);
    expect(names("")).toEqual([]);
    expect(names("/zzz")).toEqual([]);
  });
});

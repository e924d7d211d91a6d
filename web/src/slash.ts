/**
 * The composer's slash commands: which exist, what a typed line means, and what to offer while
 * the user types one. Pure: the composer decides what each command does.
 *
 * Only a known command name makes a line a command, so a message that merely starts with a
 * slash ("/path/to/file is broken") is sent as it is.
 */
import type { Effort, PermissionPolicy } from "./api/types";

/** What a line of the composer asks for, or why it cannot be done. */
export type SlashCommand =
  | { kind: "help" }
  | { kind: "clear" }
  | { kind: "abort" }
  /** `on: null` toggles. */
  | { kind: "plan"; on: boolean | null }
  | { kind: "model"; name: string; effort: Effort | null }
  | { kind: "permissions"; policy: ComposerPolicy }
  | { kind: "error"; message: string };

export interface SlashCommandInfo {
  /** Without the slash, e.g. `model`. */
  name: string;
  usage: string;
  description: string;
}

// A Record over the schema's type: adding or removing an effort in the API fails tsc here.
const EFFORT_NAMES: Record<Effort, true> = { low: true, medium: true, high: true };
const EFFORTS = Object.keys(EFFORT_NAMES) as Effort[];

// `plan` is a policy of the API too, but here it has its own command (/plan).
const POLICIES = ["ask", "allow_all"] as const satisfies readonly PermissionPolicy[];
type ComposerPolicy = (typeof POLICIES)[number];

interface Definition extends SlashCommandInfo {
  /** Reads the words after the command's name. */
  parse(args: string[], usage: string): SlashCommand;
}

const DEFINITIONS: readonly Definition[] = [
  { name: "help", usage: "/help", description: "List the commands", parse: bare({ kind: "help" }) },
  { name: "clear", usage: "/clear", description: "Clear the agent's context", parse: bare({ kind: "clear" }) },
  { name: "abort", usage: "/abort", description: "Stop the running turn", parse: bare({ kind: "abort" }) },
  {
    name: "plan",
    usage: "/plan [on|off]",
    description: "Plan without changing files (toggles without on|off)",
    parse: parsePlan,
  },
  {
    name: "model",
    usage: `/model <name> [${EFFORTS.join("|")}]`,
    description: "Switch the model, and optionally how hard it thinks",
    parse: parseModel,
  },
  {
    name: "permissions",
    usage: `/permissions ${POLICIES.join("|")}`,
    description: "Ask before each tool use, or allow them all",
    parse: parsePermissions,
  },
];

export const SLASH_COMMANDS: readonly SlashCommandInfo[] = DEFINITIONS.map(({ name, usage, description }) => ({
  name,
  usage,
  description,
}));

/** The command a composer line asks for; null when the line is a plain message. */
export function parseSlash(text: string): SlashCommand | null {
  const [first = "", ...args] = text.trim().split(/\s+/);
  if (!first.startsWith("/")) return null;
  const name = first.slice(1).toLowerCase();
  const command = DEFINITIONS.find((c) => c.name === name);
  if (command) return command.parse(args, command.usage);
  // A word like `/foo` is a mistyped command; `/src/main.rs` or a lone `/` is text.
  return /^[a-z][a-z0-9_-]*$/.test(name) ? error(`unknown command /${name}: try /help`) : null;
}

function error(message: string): SlashCommand {
  return { kind: "error", message };
}

/** A command that takes no arguments. */
function bare(command: SlashCommand): Definition["parse"] {
  return (args, usage) => (args.length === 0 ? command : error(`usage: ${usage}`));
}

function parsePlan(args: string[], usage: string): SlashCommand {
  if (args.length === 0) return { kind: "plan", on: null };
  const arg = args[0]!.toLowerCase();
  if (args.length === 1 && (arg === "on" || arg === "off")) return { kind: "plan", on: arg === "on" };
  return error(`usage: ${usage}`);
}

function parseModel(args: string[], usage: string): SlashCommand {
  const [name, effortArg, ...rest] = args;
  if (name === undefined || rest.length > 0) return error(`usage: ${usage}`);
  if (effortArg === undefined) return { kind: "model", name, effort: null };
  const effort = EFFORTS.find((e) => e === effortArg.toLowerCase());
  if (effort === undefined) return error(`effort must be one of ${EFFORTS.join(", ")}; usage: ${usage}`);
  return { kind: "model", name, effort };
}

function parsePermissions(args: string[]): SlashCommand {
  const policy = args.length === 1 ? POLICIES.find((p) => p === args[0]!.toLowerCase()) : undefined;
  if (policy === undefined) return error(`permissions must be one of ${POLICIES.join(", ")}`);
  return { kind: "permissions", policy };
}

/** The commands to offer while the user types the first word of a slash command. */
export function completeSlash(text: string): SlashCommandInfo[] {
  const match = /^\/(\S*)$/.exec(text.trimStart());
  if (!match) return [];
  const prefix = match[1]!.toLowerCase();
  return SLASH_COMMANDS.filter((c) => c.name.startsWith(prefix));
}

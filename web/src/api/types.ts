//! The API's types, named for the app. They all come from `schema.d.ts`, which the build
//! generates from edge/openapi.json (itself generated from the `protocol` crate): nothing here
//! is written by hand, so a change of the API that the app does not follow fails `tsc`.
import type { components } from "./schema";

type S = components["schemas"];

export type Event = S["Event"];
export type EventType = Event["type"];
/** The event of one `type`, e.g. `EventOf<"user_message">`. */
export type EventOf<T extends EventType> = Extract<Event, { type: T }>;
export type AgentEvent = S["AgentEvent"];
export type AgentEventOf<K extends AgentEvent["kind"]> = Extract<AgentEvent, { kind: K }>;
export type EventPage = S["EventPage"];
export type Author = S["Author"];
export type Attachment = S["Attachment"];
export type Input = S["Input"];
export type AnswerInput = S["AnswerInput"];
export type TodoItem = S["TodoItem"];
export type Session = S["Session"];
export type SessionState = S["SessionState"];
export type UpdateSession = S["UpdateSession"];
export type CreateSession = S["CreateSession"];
export type PermissionPolicy = S["PermissionPolicy"];
export type Effort = S["Effort"];
export type Worker = S["Worker"];
export type Workspace = S["Workspace"];
export type Project = S["Project"];
export type Requirement = S["Requirement"];
export type RequirementStatus = S["RequirementStatus"];
export type CreateRequirement = S["CreateRequirement"];
export type UpdateRequirement = S["UpdateRequirement"];
export type Task = S["Task"];
export type TaskStatus = S["TaskStatus"];
export type CreateTask = S["CreateTask"];
export type UpdateTask = S["UpdateTask"];
export type Comment = S["Comment"];
export type Baton = S["Baton"];
export type BatonStatus = S["BatonStatus"];
export type Share = S["Share"];
export type ShareMode = S["ShareMode"];
export type Cost = S["Cost"];
export type User = S["User"];
export type ApiErrorBody = S["Error"];

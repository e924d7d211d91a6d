"""Drives baton's A2A endpoint with the official A2A Python SDK (the `a2a-sdk` package), as an
outside agent that knows nothing of baton would: it reads the agent card at BASE, then runs the
steps read as JSON from stdin, and prints one JSON object with what it saw for the Rust test.

    a2a_driver.py BASE TOKEN < steps.json

Steps:
  {"op": "card"}                                   the card, as the SDK resolved it
  {"op": "send", "text": ..., "message_id": ..., "stream": bool, "polling": bool,
   "stop_after": N}                                a message; with stream, its events (dropped
                                                   after N of them when given)
  {"op": "subscribe", "task": ID, "last_event_id": N, "stop_after": N}
  {"op": "get", "task": ID} | {"op": "list"} | {"op": "cancel", "task": ID}
"<task>" in a step stands for the task id of the last send. An SDK error is recorded as
{"error": {"type", "message"}} and the next step runs.
"""

import json
import sys

import anyio
import httpx
from a2a.client import A2ACardResolver, ClientCallContext, ClientConfig, create_client
from a2a.types.a2a_pb2 import (
    CancelTaskRequest,
    GetTaskRequest,
    ListTasksRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    SubscribeToTaskRequest,
)
from google.protobuf.json_format import MessageToDict


def as_dict(message):
    return MessageToDict(message)


async def events(stream, stop_after):
    seen = []
    try:
        async for event in stream:
            seen.append(as_dict(event))
            if stop_after is not None and len(seen) >= stop_after:
                break
    finally:
        await stream.aclose()
    return seen


async def run_step(base, http, step, last_task):
    streaming = step.get("stream", False) or step["op"] == "subscribe"
    config = ClientConfig(httpx_client=http, streaming=streaming, polling=step.get("polling", False))
    client = await create_client(base, client_config=config)
    op = step["op"]
    if op == "card":
        # The card as the SDK's resolver reads it (the client above resolved the same).
        return as_dict(await A2ACardResolver(http, base).get_agent_card())
    if op == "send":
        message = Message(message_id=step["message_id"], role=Role.ROLE_USER, parts=[Part(text=step["text"])])
        seen = await events(client.send_message(SendMessageRequest(message=message)), step.get("stop_after"))
        return {"events": seen}
    task = step.get("task", "<task>")
    task = last_task if task == "<task>" else task
    if op == "subscribe":
        context = None
        if step.get("last_event_id") is not None:
            context = ClientCallContext(service_parameters={"Last-Event-ID": str(step["last_event_id"])})
        stream = client.subscribe(SubscribeToTaskRequest(id=task), context=context)
        return {"events": await events(stream, step.get("stop_after"))}
    if op == "get":
        return as_dict(await client.get_task(GetTaskRequest(id=task)))
    if op == "list":
        return as_dict(await client.list_tasks(ListTasksRequest(page_size=100)))
    if op == "cancel":
        return as_dict(await client.cancel_task(CancelTaskRequest(id=task)))
    raise SystemExit(f"unknown step {op!r}")


def task_of(result):
    for event in result.get("events", []):
        if "task" in event:
            return event["task"]["id"]
        for kind in ("statusUpdate", "artifactUpdate"):
            if kind in event:
                return event[kind]["taskId"]
    return None


async def main(base, token):
    steps = json.load(sys.stdin)
    out = {"steps": []}
    last_task = None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(30, read=120)) as http:
        for step in steps:
            try:
                result = await run_step(base, http, step, last_task)
            except Exception as err:  # the SDK's errors, recorded for the test to assert on
                result = {"error": {"type": type(err).__name__, "message": str(err)}}
            if step["op"] == "send":
                last_task = task_of(result) or last_task
            out["steps"].append(result)
    out["last_task"] = last_task
    print(json.dumps(out))


if __name__ == "__main__":
    anyio.run(main, sys.argv[1], sys.argv[2])

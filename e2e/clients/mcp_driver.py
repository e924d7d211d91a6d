"""Drives baton's MCP endpoint with the official MCP Python SDK (the `mcp` package), as an
agent's client would: one connection, the steps read as JSON from stdin, the results printed as
one JSON object on stdout for the Rust test to assert on.

    mcp_driver.py URL TOKEN [auto|legacy]  < steps.json

A step is {"op": "tools"} | {"op": "call", "name": ..., "args": {...}} |
{"op": "resources"} | {"op": "templates"} | {"op": "read", "uri": ...}. A protocol error of a
step is recorded as {"error": {"code", "message"}} and the next step runs.

A step may also say {"bind": {"<name>": "/json/pointer"}}: the value at that pointer of its
result then stands for every argument of later steps that is exactly the string "<name>" (a
skill's `<baton>`, `<lease>`, `<seq>`).
"""

import json
import sys

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError


def pointer(value, path):
    for part in path.strip("/").split("/"):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def substitute(value, bound):
    if isinstance(value, str):
        return bound.get(value, value)
    if isinstance(value, list):
        return [substitute(v, bound) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, bound) for k, v in value.items()}
    return value


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


async def run_step(client, step):
    op = step["op"]
    if op == "tools":
        return dump(await client.list_tools())
    if op == "call":
        progress = []

        async def on_progress(value, total, message):
            progress.append({"progress": value, "message": message})

        result = await client.call_tool(step["name"], step.get("args", {}), progress_callback=on_progress)
        out = dump(result)
        out["progress"] = progress
        return out
    if op == "resources":
        return dump(await client.list_resources())
    if op == "templates":
        return dump(await client.list_resource_templates())
    if op == "read":
        return dump(await client.read_resource(step["uri"]))
    raise SystemExit(f"unknown step {op!r}")


async def main(url, token, mode):
    steps = json.load(sys.stdin)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    out = {"steps": []}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=mode) as client:
            out["protocol_version"] = client.protocol_version
            out["server_info"] = dump(client.server_info) if client.server_info else None
            bound = {}
            for step in steps:
                step = substitute(step, bound)
                try:
                    result = await run_step(client, step)
                except MCPError as err:
                    result = {"error": {"code": err.error.code, "message": err.error.message}}
                for name, path in step.get("bind", {}).items():
                    try:
                        bound[name] = pointer(result, path)
                    except (KeyError, IndexError, TypeError):
                        pass
                out["steps"].append(result)
    print(json.dumps(out))


if __name__ == "__main__":
    anyio.run(main, sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "auto")

"""A real MCP client (the official Python `mcp` package, not ours) driving Instagraph's MCP
server for the Rust tests in mcp.rs.

Usage: python mcp_client.py PLAN_JSON

PLAN: {"transport": "stdio", "command": PATH, "args": [...], "env": {...}}
   or {"transport": "http", "url": URL, "headers": {...}}
   plus "calls": [{"name": TOOL, "arguments": {...}}, ...]
   A string argument "{{N:a.b}}" is replaced by field a.b of call N's structuredContent.

Prints one JSON document: the server's name and version, every listed tool (name,
annotations, input schema, meta) and, per call, isError, structuredContent and the text.
A failure to connect or a protocol error is printed as {"protocol_error": "..."} (exit 3).
"""

import asyncio
import json
import sys

from mcp import ClientSession


def resolve(value, results):
    if isinstance(value, dict):
        return {k: resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, results) for v in value]
    if isinstance(value, str) and value.startswith("{{") and value.endswith("}}"):
        index, path = value[2:-2].split(":", 1)
        cur = results[int(index)].get("structured")
        for part in path.split("."):
            cur = cur[int(part)] if isinstance(cur, list) else (cur or {}).get(part)
        return cur
    return value


def dump(model):
    if model is None:
        return None
    if hasattr(model, "model_dump"):
        return model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return model


async def session_run(read, write, plan):
    out = {"tools": [], "results": []}
    async with ClientSession(read, write) as session:
        init = await session.initialize()
        info = getattr(init, "server_info", None) or getattr(init, "serverInfo", None)
        out["server"] = dump(info)
        out["instructions"] = getattr(init, "instructions", None)
        tools = await session.list_tools()
        for t in tools.tools:
            out["tools"].append(
                {
                    "name": t.name,
                    "description": t.description,
                    "annotations": dump(t.annotations),
                    "inputSchema": dump(getattr(t, "input_schema", None) or getattr(t, "inputSchema", None)),
                    "meta": dump(getattr(t, "meta", None)),
                }
            )
        for call in plan.get("calls", []):
            try:
                args = resolve(call.get("arguments") or {}, out["results"])
                r = await session.call_tool(call["name"], args)
            except Exception as e:  # a protocol-level error (unknown tool, say)
                out["results"].append({"name": call["name"], "protocol_error": str(e)})
                continue
            texts = [c.text for c in r.content if getattr(c, "type", None) == "text"]
            structured = getattr(r, "structured_content", None)
            if structured is None:
                structured = getattr(r, "structuredContent", None)
            is_error = getattr(r, "is_error", None)
            if is_error is None:
                is_error = getattr(r, "isError", None)
            out["results"].append(
                {
                    "name": call["name"],
                    "isError": bool(is_error),
                    "structured": structured,
                    "text": "\n".join(texts),
                }
            )
    return out


async def main():
    plan = json.loads(sys.argv[1])
    if plan["transport"] == "stdio":
        from mcp import StdioServerParameters
        from mcp.client.stdio import stdio_client

        params = StdioServerParameters(
            command=plan["command"], args=plan.get("args", []), env=plan.get("env")
        )
        async with stdio_client(params) as streams:
            return await session_run(streams[0], streams[1], plan)
    try:  # mcp >= 2: httpx2 and streamable_http_client
        import httpx2
        from mcp.client.streamable_http import streamable_http_client

        client = httpx2.AsyncClient(headers=plan.get("headers") or {}, timeout=60)
        async with streamable_http_client(plan["url"], http_client=client) as streams:
            return await session_run(streams[0], streams[1], plan)
    except ImportError:  # mcp 1.x
        from mcp.client.streamable_http import streamablehttp_client

        async with streamablehttp_client(plan["url"], headers=plan.get("headers") or {}) as streams:
            return await session_run(streams[0], streams[1], plan)


if __name__ == "__main__":
    try:
        result = asyncio.run(main())
    except BaseException as e:  # noqa: BLE001 - report everything to the Rust test
        msg = repr(e)
        if hasattr(e, "exceptions"):
            msg += " " + " | ".join(repr(x) for x in e.exceptions)
        print(json.dumps({"protocol_error": msg}))
        sys.exit(3)
    print(json.dumps(result))

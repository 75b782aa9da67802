"""A WebSocket client built on Python's `websockets`, for the server's interop tests.

Usage: server_client.py PLAN_JSON

PLAN_JSON is one JSON object:
  url            ws:// or wss:// URL of the server under test (required)
  ca             PEM file of the CA to trust for wss (optional)
  subprotocols   list of subprotocols to offer (optional)
  send           list of messages to send in order: {"text": s}, {"hex": h} (binary) or
                 {"fragments": [s, ...]} (one text message sent as several frames)
  expect         number of messages to receive before closing (default 0)
  close          {"code": c, "reason": r}: close with that code and reason; absent or null:
                 wait for the server to close

Prints one JSON line per event on stdout:
  {"event": "open", "local_port": n, "subprotocol": s|null}
  {"event": "message", "text": s} or {"event": "message", "hex": h}
  {"event": "close", "code": c, "reason": r}   (the close frame the server sent, or null/"")
  {"event": "error", "message": m}
and exits 0 (1 after an error).
"""

import asyncio
import json
import ssl
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def run(plan):
    ssl_context = None
    if plan["url"].startswith("wss:"):
        ssl_context = ssl.create_default_context(cafile=plan.get("ca"))
    async with connect(
        plan["url"],
        ssl=ssl_context,
        subprotocols=plan.get("subprotocols") or None,
        compression=None,
        open_timeout=10,
        close_timeout=5,
    ) as ws:
        emit({"event": "open", "local_port": ws.local_address[1], "subprotocol": ws.subprotocol})
        for message in plan.get("send", []):
            if "text" in message:
                await ws.send(message["text"])
            elif "hex" in message:
                await ws.send(bytes.fromhex(message["hex"]))
            else:
                await ws.send(message["fragments"])
        try:
            for _ in range(plan.get("expect", 0)):
                data = await ws.recv()
                if isinstance(data, str):
                    emit({"event": "message", "text": data})
                else:
                    emit({"event": "message", "hex": data.hex()})
            close = plan.get("close")
            if close is not None:
                await ws.close(close["code"], close["reason"])
            else:
                await ws.wait_closed()
        except ConnectionClosed:
            pass
        received = ws.protocol.close_rcvd
        emit({
            "event": "close",
            "code": received.code if received else None,
            "reason": received.reason if received else "",
        })


def main():
    plan = json.loads(sys.argv[1])
    try:
        asyncio.run(asyncio.wait_for(run(plan), 20))
    except Exception as e:  # report it to the test instead of a traceback only
        emit({"event": "error", "message": f"{type(e).__name__}: {e}"})
        sys.exit(1)


if __name__ == "__main__":
    main()

"""A WebSocket peer built on Python's `websockets`, for interop tests.

Listens on 127.0.0.1, port 0, prints `PORT <n>` on stdout once ready, then one JSON line per
event (`open`, `message`, `close`) so that the test can see what the server saw. Exits when
stdin is closed (the test process went away) or on SIGTERM.

The path of the request chooses the behaviour:
  /echo                   echo every message back, text as text and binary as binary
  /close/<code>/<reason>  close at once with that code and (URL-decoded) reason
  /fragments              send "frag"+"ment"+"ed" as one text message in three frames, and
                          b"\x01\x02"+b"\x03" as one binary message in two frames, then echo
  /ping                   ping with payload "are you there", wait for the pong, send "pong ok"
  /send/<n>               send n text messages "m0" .. "m<n-1>", then echo
The optional query string is ignored (tests use it to tag their connection).
"""

import asyncio
import json
import os
import signal
import sys
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def select_subprotocol(connection, subprotocols):
    # Pick "chat" when the client offers it, else no subprotocol.
    if "chat" in subprotocols:
        return "chat"
    return None


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def handler(ws):
    full_path = ws.request.path
    path = urlsplit(full_path).path
    emit({
        "event": "open",
        "path": full_path,
        "headers": [[k, v] for k, v in ws.request.headers.raw_items()],
        "subprotocol": ws.subprotocol,
    })
    try:
        if path.startswith("/close/"):
            _, _, code, reason = path.split("/", 3)
            await ws.close(int(code), unquote(reason))
        elif path == "/fragments":
            await ws.send(["frag", "ment", "ed"])
            await ws.send([b"\x01\x02", b"\x03"])
            await echo(ws)
        elif path == "/ping":
            waiter = await ws.ping(b"are you there")
            await asyncio.wait_for(waiter, 5)
            await ws.send("pong ok")
            await echo(ws)
        elif path.startswith("/send/"):
            n = int(path.split("/")[2])
            for i in range(n):
                await ws.send(f"m{i}")
            await echo(ws)
        else:
            async for message in ws:
                emit({"event": "message", "path": full_path,
                      "binary": isinstance(message, bytes),
                      "data": message.hex() if isinstance(message, bytes) else message})
                await ws.send(message)
    except ConnectionClosed:
        pass
    await ws.wait_closed()
    rcvd = ws.close_code, ws.close_reason
    # close_code/close_reason describe the frame that was received first (the peer's, when the
    # client closed), which is what the tests check.
    emit({"event": "close", "path": full_path, "code": rcvd[0], "reason": rcvd[1]})


async def main():
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    # The parent test process holds our stdin; EOF means it is gone.
    stdin_fd = sys.stdin.fileno()

    def on_stdin():
        if not os.read(stdin_fd, 4096) and not stop.done():
            loop.remove_reader(stdin_fd)
            stop.set_result(None)

    loop.add_reader(stdin_fd, on_stdin)
    async with serve(handler, "127.0.0.1", 0, select_subprotocol=select_subprotocol,
                     compression=None, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        sys.stdout.write(f"PORT {port}\n")
        sys.stdout.flush()
        await stop


if __name__ == "__main__":
    asyncio.run(main())

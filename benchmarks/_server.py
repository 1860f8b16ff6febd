"""A minimal keep-alive HTTP/1.1 server on 127.0.0.1 for the run-time benchmarks, in its own process so it
never competes with the measured client for the GIL. Canned bodies per path; prints its port on stdout.

    python benchmarks/_server.py BODIES.json
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        bodies = {path: body.encode("utf-8") for path, body in json.load(handle).items()}
    replies = {
        path: b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        for path, body in bodies.items()
    }
    missing = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, _, rest = head.partition(b"\r\n")
                target = request_line.split(b" ")[1].decode()
                length = 0
                for line in rest.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                path = target.split("?", 1)[0]
                writer.write(replies.get(path, missing))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def run() -> None:
        server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=512)
        print(server.sockets[0].getsockname()[1], flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(run())


if __name__ == "__main__":
    main()

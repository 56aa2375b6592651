"""Reference server of the chat storm benchmark: a bare ``websockets`` server that accepts
a socket, sends it the history frame (the bytes of a real ``history`` frame of the chat,
read from a file) and holds it until the client leaves.

Usage: python _storm_bare.py PORT HISTORY_FILE
"""

import asyncio
import sys

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed


async def main(port, history):
    async def handler(ws):
        try:
            await ws.send(history)
            async for _ in ws:
                pass
        except ConnectionClosed:
            pass

    async with serve(handler, "127.0.0.1", port, max_size=2**20, compression=None):
        await asyncio.Future()


if __name__ == "__main__":
    with open(sys.argv[2], encoding="utf-8") as f:
        text = f.read()
    asyncio.run(main(int(sys.argv[1]), text))

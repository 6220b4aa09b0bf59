"""A TCP relay that delays every chunk by a fixed time each way: the lab's slow link where the
kernel has no netem. ``python -m cmagent.lab.relay LISTEN_ADDR PORT TARGET_ADDR PORT DELAY_MS``.
"""

from __future__ import annotations

import asyncio
import sys


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                delay: float) -> None:
    try:
        while chunk := await reader.read(65536):
            await asyncio.sleep(delay)
            writer.write(chunk)
            await writer.drain()
    finally:
        writer.close()


async def _serve(listen: str, port: int, target: str, target_port: int, delay: float) -> None:
    async def handle(client_reader: asyncio.StreamReader,
                     client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(target, target_port)
        await asyncio.gather(_pump(client_reader, server_writer, delay),
                             _pump(server_reader, client_writer, delay),
                             return_exceptions=True)

    server = await asyncio.start_server(handle, listen, port)
    async with server:
        await server.serve_forever()


def main(argv: list[str]) -> None:
    listen, port, target, target_port, delay_ms = argv
    asyncio.run(_serve(listen, int(port), target, int(target_port), int(delay_ms) / 1000))


if __name__ == "__main__":
    main(sys.argv[1:])

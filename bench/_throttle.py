"""A slow mobile link as a TCP proxy on 127.0.0.1, between a browser and the server under test.

Chromium's own network emulation (CDP ``Network.emulateNetworkConditions``) was not reliably
applied: a trivial view's first byte came 106 ms after the navigation started, under an
emulated round trip of 150 ms. Here the bytes themselves are held back, so whatever the browser
does, it cannot see the server sooner or faster than the link allows.

The link (:class:`SlowLink`) is one phone's: **shared** by every connection the browser opens,
one direction at a time being one queue, as a phone's radio is one link (per-connection limits
would let six parallel connections download six times as fast).

- **Bandwidth**: each direction sends its bytes one slice (:data:`SLICE`, a TCP segment) after
  another at its rate; a slice waits for the slices queued before it, on any connection.
- **Latency**: each slice then arrives ``rtt / 2`` later, in order within its connection.
- **Connection set-up**: a new connection's first bytes leave one round trip after it was
  opened (SYN, SYN-ACK, then the request), so a fresh connection's first byte comes at least
  two round trips after the navigation started.

Not modelled: TCP slow start and loss (the link runs at its full rate from the first slice),
TLS (one more round trip on a real HTTPS connection), DNS.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from dataclasses import dataclass

SLICE = 1460  # bytes: one TCP segment on an Ethernet-sized MTU
READ = 64 * 1024


@dataclass(frozen=True)
class Profile:
    name: str
    rtt: float  # seconds
    down: float  # bits per second, server to phone
    up: float  # bits per second, phone to server


# Lighthouse's mobile throttling profile ("Slow 4G"; DevTools called it "Fast 3G" before 2024):
# the profile of the members' app's budget (LCP ≤ 2 s).
SLOW_4G = Profile("slow 4G (Lighthouse mobile)", rtt=0.150, down=1_600_000, up=750_000)


class _Direction:
    """One direction of the shared link: when the next slice may start, and its rate."""

    def __init__(self, bits_per_second: float, delay: float) -> None:
        self.rate = bits_per_second / 8  # bytes per second
        self.delay = delay
        self.free_at = 0.0
        self.bytes = 0

    def arrival(self, size: int, now: float) -> float:
        """When a slice of ``size`` bytes handed over at ``now`` reaches the other end."""
        start = max(now, self.free_at)
        self.free_at = start + size / self.rate
        self.bytes += size
        return self.free_at + self.delay


class SlowLink:
    """``with SlowLink(upstream_port) as link:`` the browser opens ``link.url`` instead of the
    server's; the proxy runs its own event loop in a thread and stops at the end."""

    def __init__(self, upstream_port: int, profile: Profile = SLOW_4G) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.profile = profile
        self.down = _Direction(profile.down, profile.rtt / 2)
        self.up = _Direction(profile.up, profile.rtt / 2)
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._open: set[asyncio.StreamWriter] = set()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> SlowLink:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._open):  # a kept-alive connection would hold wait_closed()
            writer.close()
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        self.connections += 1
        opened = self._loop.time()
        try:
            server_in, server_out = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_out.close()
            return
        self._open.update((client_out, server_out))
        for writer in (client_out, server_out):
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The handshake: the phone's first bytes leave one round trip after it connected.
        handshake = opened + self.profile.rtt
        await asyncio.gather(
            self._pump(client_in, server_out, self.up, not_before=handshake),
            self._pump(server_in, client_out, self.down, not_before=0.0),
            return_exceptions=True,
        )
        for writer in (client_out, server_out):
            self._open.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _pump(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        direction: _Direction,
        *,
        not_before: float,
    ) -> None:
        """Carry one direction of one connection over the link, slice by slice, in order."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        loop = self._loop

        async def deliver() -> None:
            while True:
                at, data = await queue.get()
                wait = at - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    with contextlib.suppress(OSError, RuntimeError):
                        if sink.can_write_eof():
                            sink.write_eof()
                    return
                sink.write(data)
                await sink.drain()

        delivering = asyncio.ensure_future(deliver())
        try:
            wait = not_before - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            while True:
                try:
                    data = await source.read(READ)
                except (ConnectionError, OSError):
                    data = b""
                now = loop.time()
                if not data:
                    queue.put_nowait((max(now, direction.free_at) + direction.delay, b""))
                    break
                for i in range(0, len(data), SLICE):
                    piece = data[i : i + SLICE]
                    queue.put_nowait((direction.arrival(len(piece), now), piece))
            await delivering
        finally:
            if not delivering.done():
                delivering.cancel()

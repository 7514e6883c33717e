"""A network receipt printer on loopback: it reads the ESC/POS stream and answers like one.

``LoopbackPrinter`` listens on 127.0.0.1 (port 0), as a printer's raw port
9100 does, parses every byte it is sent with ``EscposParser`` (the commands
the kiosk emits, each with its exact length, so status questions are told
apart from picture data), answers ``DLE EOT n`` from the status table of its
current state (``printing.status.REPLIES_FOR``), and keeps each connection's
commands as a job. ``raster_image`` puts the ``GS v 0`` bands of a job back
together into the picture that would have come out of the printer, so a test
can read its QR with zxing-cpp and measure its width.

Faults: ``state`` (paper out, cover open, ...), ``state_after_job`` (the paper
runs out while this slip prints), ``silent`` (takes the connection and never
answers: a hung printer) and ``hang_up`` (closes every connection at once).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from PIL import Image

from core.printers import PrinterState
from printing.status import REPLIES_FOR

ESC, GS, DLE, EOT, LF = 0x1B, 0x1D, 0x10, 0x04, 0x0A


class UnknownCommand(ValueError):
    """A byte sequence this printer does not understand (a real one would print garbage)."""


@dataclass(frozen=True)
class Command:
    name: str  # init, raster, feed, cut, status, line_feed, text
    args: tuple[int, ...] = ()
    data: bytes = b""


@dataclass
class EscposParser:
    """Incremental: ``feed`` what arrived, get back the commands it completed."""

    buffer: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> list[Command]:
        self.buffer += data
        commands = []
        while self.buffer:
            parsed = self._one()
            if parsed is None:
                break  # the rest of this command has not arrived yet
            command, length = parsed
            del self.buffer[:length]
            commands.append(command)
        return commands

    def _one(self) -> tuple[Command, int] | None:
        b = self.buffer
        first = b[0]
        if first == DLE:
            if len(b) < 3:
                return None
            if b[1] != EOT:
                raise UnknownCommand(f"DLE {b[1]:#04x}")
            return Command("status", (b[2],)), 3
        if first == ESC:
            if len(b) < 2:
                return None
            if b[1] == ord("@"):
                return Command("init"), 2
            if b[1] in (ord("d"), ord("J"), ord("a"), ord("3"), ord("!"), ord("E")):
                return (Command("feed", (b[2],)), 3) if len(b) >= 3 else None
            if b[1] == ord("2"):
                return Command("line_spacing_default"), 2
            raise UnknownCommand(f"ESC {b[1]:#04x}")
        if first == GS:
            if len(b) < 3:
                return None
            if b[1] == ord("V"):
                mode = b[2]
                if mode in (65, 66):  # with a feed amount
                    return (Command("cut", (mode, b[3])), 4) if len(b) >= 4 else None
                return Command("cut", (mode,)), 3
            if b[1] == ord("v") and b[2] == ord("0"):
                if len(b) < 8:
                    return None
                width_bytes = b[4] | b[5] << 8
                height = b[6] | b[7] << 8
                size = width_bytes * height
                if len(b) < 8 + size:
                    return None
                return Command("raster", (width_bytes, height), bytes(b[8 : 8 + size])), 8 + size
            raise UnknownCommand(f"GS {b[1]:#04x}")
        if first == LF:
            return Command("line_feed"), 1
        if 0x20 <= first < 0x7F:
            end = 1
            while end < len(b) and 0x20 <= b[end] < 0x7F:
                end += 1
            return Command("text", (), bytes(b[:end])), end
        raise UnknownCommand(f"{first:#04x}")


def parse_job(stream: bytes) -> list[Command]:
    parser = EscposParser()
    commands = parser.feed(stream)
    assert not parser.buffer, f"{len(parser.buffer)} bytes of an unfinished command"
    return commands


def raster_image(commands: list[Command]) -> Image.Image:
    """The job's ``GS v 0`` bands, one under the other, as the paper would show them."""
    bands = [c for c in commands if c.name == "raster"]
    assert bands, "the job has no raster picture"
    widths = {c.args[0] for c in bands}
    assert len(widths) == 1, f"bands of different widths: {widths}"
    width = widths.pop() * 8
    height = sum(c.args[1] for c in bands)
    page = Image.new("1", (width, height), 1)
    y = 0
    for band in bands:
        # GS v 0: 1 = a burnt (black) dot; Pillow's mode "1": 0 = black.
        picture = Image.frombytes("1", (width, band.args[1]), band.data)
        page.paste(picture.point(lambda v: 255 - v), (0, y))
        y += band.args[1]
    return page


@dataclass
class Job:
    commands: list[Command] = field(default_factory=list)

    @property
    def has_picture(self) -> bool:
        return any(c.name == "raster" for c in self.commands)

    @property
    def cuts(self) -> int:
        return sum(c.name == "cut" for c in self.commands)


class LoopbackPrinter:
    def __init__(self) -> None:
        self.state = PrinterState.READY
        self.state_after_job: PrinterState | None = None
        self.silent = False
        self.hang_up = False
        self.jobs: list[Job] = []
        self.connections = 0
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._printed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self._clients: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, name="loopback-printer", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.getsockname()[1])

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            for client in self._clients:
                with contextlib.suppress(OSError):
                    client.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)
        self._server.close()

    def printed(self) -> list[Job]:
        """The jobs that carried a picture (a status check alone is not a print)."""
        with self._lock:
            return [job for job in self.jobs if job.has_picture]

    def wait_for_jobs(self, count: int, timeout: float = 10.0) -> list[Job]:
        with self._printed:
            self._printed.wait_for(
                lambda: sum(j.has_picture for j in self.jobs) >= count, timeout=timeout
            )
        return self.printed()

    def _serve(self) -> None:
        workers = []
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            with self._lock:
                self.connections += 1
                self._clients.append(client)
            worker = threading.Thread(target=self._talk, args=(client,), daemon=True)
            worker.start()
            workers.append(worker)
        for worker in workers:
            worker.join(timeout=5)

    def _talk(self, client: socket.socket) -> None:
        job = Job()
        parser = EscposParser()
        with client:
            if self.hang_up:
                return
            with self._lock:
                self.jobs.append(job)
            client.settimeout(0.2)
            while not self._stop.is_set():
                try:
                    data = client.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                try:
                    commands = parser.feed(data)
                except UnknownCommand as error:
                    self.errors.append(str(error))
                    break
                for command in commands:
                    self._obey(client, job, command)

    def _obey(self, client: socket.socket, job: Job, command: Command) -> None:
        with self._printed:
            job.commands.append(command)
            if command.name == "cut" and self.state_after_job is not None and job.has_picture:
                self.state = self.state_after_job
            self._printed.notify_all()
            state = self.state
        if command.name == "status" and not self.silent:
            client.sendall(bytes([REPLIES_FOR[state][command.args[0]]]))

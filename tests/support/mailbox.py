"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepted."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    """Messages as received: the envelope recipients and the parsed message."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    # Answer the next N messages with this SMTP reply instead of accepting them.
    refuse_next: int = 0
    refusal: str = "451 4.3.0 try again later"
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refuse_next:
                self.refuse_next -= 1
                return self.refusal
            message = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for rcpt, m in self.received if address in rcpt]


@dataclass
class SmtpServer:
    controller: Controller
    mailbox: Mailbox
    port: int

    @classmethod
    def start(cls) -> SmtpServer:
        mailbox = Mailbox()
        port = free_port()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port)
        controller.start()
        return cls(controller, mailbox, port)

    def stop(self) -> None:
        self.controller.stop()

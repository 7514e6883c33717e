"""Where the kiosk's printer is: a network address, a USB vendor/product id, or a serial port.

Read from two settings (``printer`` = none | network | usb | serial and
``printer_address``), typed by an operator or by staff: each is checked here
and refused with a message that says what a good one looks like.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal, get_args

PrinterKind = Literal["none", "network", "usb", "serial"]
PRINTER_KINDS: tuple[str, ...] = get_args(PrinterKind)
# The port network receipt printers listen on (raw TCP, "JetDirect").
DEFAULT_PORT = 9100
BAUD_RATES = (9600, 19200, 38400, 57600, 115200)
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_USB_ID = re.compile(r"^([0-9A-Fa-f]{4}):([0-9A-Fa-f]{4})$")
_SERIAL = re.compile(r"^(/dev/[A-Za-z0-9_./-]{1,64}|COM[0-9]{1,3})$")


class TargetError(ValueError):
    """A printer address that cannot be right; the message says what is expected."""


@dataclass(frozen=True)
class NetworkTarget:
    host: str
    port: int = DEFAULT_PORT

    def describe(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class UsbTarget:
    vendor: int
    product: int

    def describe(self) -> str:
        return f"USB {self.vendor:04x}:{self.product:04x}"


@dataclass(frozen=True)
class SerialTarget:
    device: str
    baudrate: int = 19200

    def describe(self) -> str:
        return f"{self.device} ({self.baudrate} baud)"


Target = NetworkTarget | UsbTarget | SerialTarget

EXAMPLES = {
    "network": "192.168.0.50 or printer.local:9100",
    "usb": "vendor:product in hex, e.g. 04b8:0e15",
    "serial": "/dev/ttyUSB0 or COM3",
}


def parse_target(kind: str, address: str, baudrate: int = 19200) -> Target | None:
    """The printer to use, None for no printer; ``TargetError`` says what is wrong."""
    if kind not in PRINTER_KINDS:
        raise TargetError(f"must be one of {', '.join(PRINTER_KINDS)}")
    if kind == "none":
        return None
    address = address.strip()
    if not address:
        raise TargetError(f"is empty; expected {EXAMPLES[kind]}")
    if kind == "network":
        return _network(address)
    if kind == "usb":
        match = _USB_ID.match(address)
        if match is None:
            raise TargetError(f"expected {EXAMPLES['usb']}, got {address!r}")
        return UsbTarget(int(match.group(1), 16), int(match.group(2), 16))
    if _SERIAL.match(address) is None or ".." in address:
        raise TargetError(f"expected {EXAMPLES['serial']}, got {address!r}")
    if baudrate not in BAUD_RATES:
        raise TargetError(f"baud rate must be one of {', '.join(map(str, BAUD_RATES))}")
    return SerialTarget(address, baudrate)


def _network(address: str) -> NetworkTarget:
    host, port = address, DEFAULT_PORT
    if address.startswith("["):  # [IPv6]:port
        host, _, rest = address[1:].partition("]")
        if rest:
            port = _port(rest.removeprefix(":"), address)
    elif address.count(":") == 1:
        host, raw = address.split(":")
        port = _port(raw, address)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if _HOSTNAME.match(host) is None:
            raise TargetError(f"expected {EXAMPLES['network']}, got {address!r}") from None
    return NetworkTarget(host, port)


def _port(raw: str, address: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise TargetError(f"port must be 1-65535, got {address!r}")
    return int(raw)


def typed_address(kind: str, typed: str) -> str:
    """An address as typed on the on-screen keyboard, which has no ``:``.

    "04b8 0e15" is the USB id 04b8:0e15 and "192.168.0.50 9100" the address
    with its port: one space between two parts stands for the colon.
    """
    parts = typed.split()
    if kind in ("network", "usb") and len(parts) == 2 and ":" not in typed:
        return ":".join(parts)
    return typed.strip()

"""Printer addresses as operators and staff type them: accepted, or refused saying why."""

from __future__ import annotations

import pytest

from printing.targets import NetworkTarget, SerialTarget, TargetError, UsbTarget, parse_target


@pytest.mark.parametrize(
    ("kind", "address", "target"),
    [
        ("network", "192.168.0.50", NetworkTarget("192.168.0.50", 9100)),
        ("network", " printer.office.local:9101 ", NetworkTarget("printer.office.local", 9101)),
        ("network", "[fe80::1]:9100", NetworkTarget("fe80::1", 9100)),
        ("usb", "04b8:0E15", UsbTarget(0x04B8, 0x0E15)),
        ("serial", "/dev/ttyUSB0", SerialTarget("/dev/ttyUSB0", 19200)),
        ("serial", "COM3", SerialTarget("COM3", 19200)),
        ("none", "anything", None),
    ],
)
def test_good_addresses_become_targets(
    kind: str, address: str, target: NetworkTarget | UsbTarget | SerialTarget | None
) -> None:
    assert parse_target(kind, address) == target


@pytest.mark.parametrize(
    ("kind", "address", "says"),
    [
        ("network", "", "empty"),
        ("network", "printer:0", "port"),
        ("network", "printer:99999", "port"),
        ("network", "bad host!", "expected"),
        ("network", "a" * 300, "expected"),
        ("usb", "04b8", "hex"),
        ("usb", "epson:printer", "hex"),
        ("serial", "/etc/../dev/ttyS0", "expected"),
        ("serial", "ttyS0", "expected"),
        ("laser", "x", "one of"),
    ],
)
def test_bad_addresses_are_refused_with_what_is_expected(
    kind: str, address: str, says: str
) -> None:
    with pytest.raises(TargetError, match=says):
        parse_target(kind, address)


def test_a_serial_printer_needs_a_standard_baud_rate() -> None:
    assert parse_target("serial", "/dev/ttyS0", 115200) == SerialTarget("/dev/ttyS0", 115200)
    with pytest.raises(TargetError, match="baud"):
        parse_target("serial", "/dev/ttyS0", 12345)

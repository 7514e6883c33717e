"""Where complaints are forwarded: external Open311 endpoints and category routes.

An endpoint gets the API key with every request, so it must be HTTPS; plain
HTTP is accepted only on the loopback interface (tests, a local relay).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select, update

from server.db import Database
from server.models import (
    Category,
    Delivery,
    DeliveryState,
    ForwardDestination,
    ForwardRoute,
    Submission,
    utcnow,
)

# What a route may map an Open311 attribute to (else "=text" for a fixed value).
ATTRIBUTE_SOURCES = (
    "receipt_code",
    "category",
    "district",
    "dong",
    "office",
    "created_at",
    "kind",
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class DestinationError(ValueError):
    """A destination or route cannot be saved as given; the message says why."""


@dataclass(frozen=True)
class FailedDelivery:
    id: int
    submission_id: str
    receipt_code: str
    destination: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str
    updated_at: dt.datetime


def check_endpoint(url: str) -> str:
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise DestinationError("the endpoint must be an http(s) URL")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise DestinationError("the endpoint must use HTTPS: the API key travels with each request")
    if parts.query or parts.fragment or parts.username:
        raise DestinationError("give the endpoint's base URL, without query or credentials")
    return url


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def save_destination(
    db: Database,
    name: str,
    endpoint: str,
    api_key: str = "",
    jurisdiction_id: str = "",
    active: bool = True,
) -> None:
    name = name.strip().lower()
    if not _NAME.match(name):
        raise DestinationError("a destination name is 1-64 of a-z, 0-9, '-' or '_'")
    endpoint = check_endpoint(endpoint)
    with db.write() as session:
        row = session.get(ForwardDestination, name)
        if row is None:
            session.add(
                ForwardDestination(
                    name=name,
                    endpoint=endpoint,
                    api_key=api_key.strip(),
                    jurisdiction_id=jurisdiction_id.strip(),
                    active=active,
                    created_at=utcnow(),
                )
            )
        else:
            row.endpoint, row.api_key = endpoint, api_key.strip()
            row.jurisdiction_id, row.active = jurisdiction_id.strip(), active


def save_route(
    db: Database,
    category: str,
    destination: str,
    service_code: str,
    attributes: Mapping[str, str] | None = None,
) -> None:
    attributes = dict(attributes or {})
    for code, source in attributes.items():
        if not code or not (source.startswith("=") or source in ATTRIBUTE_SOURCES):
            raise DestinationError(
                f"attribute {code!r}: map it to one of {', '.join(ATTRIBUTE_SOURCES)} or =text"
            )
    if not service_code.strip():
        raise DestinationError("a route needs the endpoint's service_code")
    with db.write() as session:
        if session.get(Category, category) is None:
            raise DestinationError(f"no category {category!r}")
        if session.get(ForwardDestination, destination) is None:
            raise DestinationError(f"no destination {destination!r}")
        row = session.get(ForwardRoute, (category, destination))
        if row is None:
            session.add(
                ForwardRoute(
                    category=category,
                    destination=destination,
                    service_code=service_code.strip(),
                    attributes=attributes,
                    created_at=utcnow(),
                )
            )
        else:
            row.service_code, row.attributes = service_code.strip(), attributes


def remove_route(db: Database, category: str, destination: str) -> None:
    with db.write() as session:
        session.execute(
            delete(ForwardRoute).where(
                ForwardRoute.category == category, ForwardRoute.destination == destination
            )
        )


def list_destinations(db: Database) -> list[ForwardDestination]:
    with db.read() as session:
        return list(session.scalars(select(ForwardDestination).order_by(ForwardDestination.name)))


def list_routes(db: Database) -> list[ForwardRoute]:
    with db.read() as session:
        return list(
            session.scalars(
                select(ForwardRoute).order_by(ForwardRoute.category, ForwardRoute.destination)
            )
        )


def delivery_counts(db: Database) -> dict[str, dict[str, int]]:
    """Deliveries per destination and state."""
    counts: dict[str, dict[str, int]] = {}
    with db.read() as session:
        for destination, state, n in session.execute(
            select(Delivery.destination, Delivery.state, func.count()).group_by(
                Delivery.destination, Delivery.state
            )
        ):
            counts.setdefault(destination, {})[state] = int(n)
    return counts


def troubled_deliveries(db: Database, limit: int = 50) -> list[FailedDelivery]:
    """Deliveries refused for good, or still retrying after an error: what staff must see."""
    with db.read() as session:
        rows = session.execute(
            select(Delivery, Submission.receipt_code)
            .join(Submission, Submission.id == Delivery.submission_id)
            .where(
                (Delivery.state == DeliveryState.FAILED)
                | ((Delivery.state == DeliveryState.PENDING) & (Delivery.attempts > 0))
            )
            .order_by(Delivery.updated_at.desc())
            .limit(limit)
        ).all()
    return [
        FailedDelivery(
            d.id,
            d.submission_id,
            code,
            d.destination,
            d.state,
            d.attempts,
            d.last_status,
            d.last_error,
            d.updated_at,
        )
        for d, code in rows
    ]


def retry_delivery(db: Database, delivery_id: int) -> bool:
    """Send a refused delivery again (after staff fixed the cause); False if not refused."""
    now = utcnow()
    with db.write() as session:
        result = session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.state == DeliveryState.FAILED)
            .values(
                state=DeliveryState.PENDING.value,
                next_attempt_at=now,
                updated_at=now,
                leased_until=None,
            )
        )
    return bool(getattr(result, "rowcount", 0))

"""A running central server with demo data, staff accounts and a simulated kiosk.

``StaffClient`` is a staff member's browser reduced to HTTP: it logs in through
the real form and posts forms with the CSRF token the pages hand out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from server import accounts
from server.catalogue import seed_demo
from server.db import Database, open_database
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import SimKiosk

PASSWORD = "correct horse battery"
TIMEOUT = 10
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    db: Database
    live: LiveServer
    kiosk: SimKiosk

    @property
    def url(self) -> str:
        return self.live.base_url

    @classmethod
    def start(cls, directory: Path) -> Site:
        db = open_database(f"sqlite:///{directory / 'server.db'}")
        seed_demo(db, dt.datetime.now(dt.UTC))
        accounts.create_user(db, "admin", PASSWORD, "admin", "관리자 김")
        accounts.create_user(db, "officer", PASSWORD, "officer", "담당 이")
        live = LiveServer.start(db)
        return cls(db, live, live.kiosk(office="성북 현장민원실", name="성북 1번"))

    def stop(self) -> None:
        self.kiosk.close()
        self.live.stop()
        self.db.close()

    def client(self) -> StaffClient:
        return StaffClient(self.url)


class StaffClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return self.http.get(self.base_url + path, timeout=TIMEOUT, **kwargs)

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return self.http.post(self.base_url + path, data=data, timeout=TIMEOUT, **kwargs)

    def login(
        self, username: str, password: str = PASSWORD, next_path: str = "/staff"
    ) -> requests.Response:
        form = self.get("/login")
        token = _CSRF.search(form.text)
        assert token is not None, form.text
        return self.post(
            "/login",
            {
                "csrf_token": token.group(1),
                "username": username,
                "password": password,
                "next": next_path,
            },
        )

    def csrf(self) -> str:
        page = self.get("/staff")
        token = _CSRF.search(page.text)
        assert page.status_code == 200 and token is not None, page.status_code
        return token.group(1)

    def submit(self, path: str, data: dict[str, str]) -> requests.Response:
        """POST a form as the page would: with this session's CSRF token."""
        return self.post(path, {"csrf_token": self.csrf(), **data})

    def close(self) -> None:
        self.http.close()

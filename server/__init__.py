"""The central server: sync protocol v1 for kiosks, staff web pages, Open311, and the CLI.

Where things are:

- ``app``        HTTP API (FastAPI): enrol, push, pull, health; errors in ``errors``,
                 body limits in ``limits``, request logs in ``logs``
- ``enrolment``  one-time codes and enrolment; ``auth`` device tokens; ``devices``
- ``ingest``     a pushed batch, mutation by mutation; rules per type in ``mutations``,
                 look-ups and writes in ``batch``
- ``changes``    the change log and pull cursors; pages and snapshots in ``pull``
- ``catalogue``  categories and events (offline blocks) staff manage
- ``export``     everything delivered, for the city's IT team
- ``keys``       the server's sealing and ticket-signing keys
- ``web/``       staff pages and the public status page (Jinja2 in ``templates/``,
                 one stylesheet in ``static/``); ``accounts`` staff log-ins and roles
- ``submissions`` cases as staff handle them (keyset pages, status, CSV);
                 ``attendance`` sign-ups and check-ins per event; ``stats`` + ``charts``
                 the dashboard
- ``open311``    GeoReport v2 read API; ``forwarder`` delivers complaints to external
                 Open311 endpoints configured in ``destinations``
- ``models``, ``db``, ``migrations/``  tables, engines, schema migrations
- ``cli``        ``civic-kiosk-server``; settings in ``config``
"""

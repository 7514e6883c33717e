"""The central server: sync protocol v1 for kiosks, and the operator's command line.

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
- ``models``, ``db``, ``migrations/``  tables, engines, schema migrations
- ``cli``        ``civic-kiosk-server``; settings in ``config``
"""

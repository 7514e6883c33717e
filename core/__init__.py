"""What kiosk and central server share: the domain's common ground, with no I/O of its own.

Tickets, sealing, receipt codes, the mutation payloads, reference lists,
validation limits, enums, names, photos, the clock and the durable SQLite
set-up live here. Only a kiosk has a store, an ORM, an outbox and services
(``kiosk/``); only the server has its API and database (``server/``). The
server imports this package and ``sync.protocol``, never ``kiosk/``.
"""

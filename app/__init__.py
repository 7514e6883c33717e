"""The composition root: the ``civic-kiosk`` command, the demo, the self-test and start-up.

Only here are the parts wired together: a store opened, a sync engine started,
a window built on them. ``ui/`` holds screens only and never imports this.
"""

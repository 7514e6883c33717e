"""A warm parent that forks the kill tests' children.

Starting a fresh interpreter for every round costs more than the round itself
(imports of SQLAlchemy, the store and the sync client: about a second each on
a loaded two-core machine). The parent here imports the child script's
modules once and forks one child per round. Each child is still a real
process with its own store connection, killed with a real SIGKILL in the
middle of whatever it is doing; only the imports are shared.

Run as ``python forks.py <script>``; commands on stdin, answers on stdout,
one JSON object per line:

- ``{"run": [args...], "out": path}``: fork a child that runs the script as
  ``__main__`` with those arguments, what it prints going to ``path``;
  answers ``{"pid": n}``.
- ``{"reap": pid}``: wait for that child; answers ``{"status": n}``.

End of stdin ends the parent.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import traceback
from pathlib import Path


def serve(script: Path) -> None:
    # Import what the script imports, without running its main.
    runpy.run_path(str(script), run_name="forked_child")
    for line in sys.stdin:
        command = json.loads(line)
        if "run" in command:
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                _child(script, command["run"], command["out"])
            answer = {"pid": pid}
        else:
            _, status = os.waitpid(int(command["reap"]), 0)
            answer = {"status": status}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def _child(script: Path, args: list[str], out: str) -> None:
    code = 1
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.close(fd)
        os.close(0)
        sys.argv = [str(script), *args]
        # Its imports are already loaded: this only runs its top level and main.
        runpy.run_path(str(script), run_name="__main__")
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        # Never return into the parent's command loop, never run its exit hooks.
        os._exit(code)


if __name__ == "__main__":
    serve(Path(sys.argv[1]))

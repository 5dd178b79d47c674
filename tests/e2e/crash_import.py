"""Run ``opsdesk import`` (the real command, through ``opsdesk.cli.main``) in processes that
test_crash_safety.py kills with SIGKILL at random moments.

The process is a zygote: it imports OpsDesk once, then forks one child per import, so twenty kills cost
seconds rather than twenty interpreter start-ups. In the child, SQLAlchemy event listeners touch
``PREFIX.begun`` when the import's write transaction begins; ``PREFIX.committed`` is touched once the command
has returned. Commands on stdin:

    start WORKSPACE CSV PREFIX   fork a child running `opsdesk import --kind metrics`; print its PID
    kill                         SIGKILL the child, reap it, print "exit STATUS"
    wait                         reap the child, print "exit STATUS"

Only the zygote reaps its child, so the PID it kills can never belong to another process.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from opsdesk.cli import main as opsdesk_main
from opsdesk.store.engine import WRITE_OPTION


def run_import(ws_path: str, csv_path: str, marker: str) -> int:
    def on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
            Path(f"{marker}.begun").touch()

    event.listen(Engine, "begin", on_begin)
    with open(os.devnull, "w") as quiet:
        sys.stdout = quiet
        code = opsdesk_main(["import", "--workspace", ws_path, "--kind", "metrics", csv_path])
    Path(f"{marker}.committed").touch()
    return code


def serve() -> int:
    child = 0
    for line in sys.stdin:
        command, *args = line.split()
        if command == "start":
            child = os.fork()
            if child == 0:
                code = 1
                try:
                    code = run_import(*args)
                finally:
                    os._exit(code)
            print(child, flush=True)
        elif command in ("kill", "wait"):
            if command == "kill":
                os.kill(child, signal.SIGKILL)  # an exited, unreaped child is a zombie: harmless
            _pid, status = os.waitpid(child, 0)
            print(f"exit {status}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(serve())

"""`make run` (DEBUG, no broker): config/asgi.py hands the Celery app and the background
schedule to support.scheduler, which starts the sweeps on the server's first connection.

A fresh process, as `runserver` is one: config.asgi decides at import time.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SERVE_ONE_REQUEST = """
import asyncio, json
import config.asgi
from config.celery import app

async def main():
    sent = []
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": "/console/login/", "raw_path": b"/console/login/",
        "root_path": "", "query_string": b"", "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 50000), "server": ("localhost", 8000),
    }

    body = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive():
        if body:
            return body.pop()
        await asyncio.Event().wait()  # the client stays connected

    async def send(message):
        sent.append(message)

    await config.asgi.application(scope, receive, send)
    await asyncio.sleep(0.1)  # the sweeps' task computes its schedule and waits for a tick
    running = [t for t in asyncio.all_tasks() if t.get_coro().__name__ == "run_sweeps"]
    sweeps = running[0].get_coro().cr_frame.f_locals if running else {}
    print(json.dumps({
        "status": sent[0]["status"],
        "tasks": len(running),
        "real_app": sweeps.get("app") is app,
        "schedule": sweeps.get("schedule"),
        "background": sweeps.get("background"),
    }))

asyncio.run(main())
"""


def serve_one_request(tmp_path: Path, **env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SERVE_ONE_REQUEST],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "1",
            "SECRET_KEY": "dev-only-make-run-not-a-secret",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_first_connection_starts_the_beat_and_background_sweeps(tmp_path):
    served = serve_one_request(tmp_path)

    assert served["status"] == 200
    assert served["tasks"] == 1
    assert served["real_app"]  # config/celery.py's app, whose tasks a worker would run
    assert served["schedule"] == {
        "support.tasks.sla_sweep": 30.0,
        "support.tasks.snooze_sweep": 30.0,
        "support.tasks.inactivity_sweep": 300.0,
        "support.tasks.requeue_offline_agents": 60.0,
        "emails.tasks.mailbox_poll_all": 60.0,
    }
    assert served["background"] == {"integrations.tasks.webhook_sweep": 2.0}


def test_no_sweeps_when_turned_off(tmp_path):
    served = serve_one_request(tmp_path, DESTEK_IN_PROCESS_SWEEPS="0")

    assert served["status"] == 200
    assert served["tasks"] == 0

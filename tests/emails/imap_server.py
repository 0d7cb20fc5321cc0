"""A real IMAP server for the tests: Debian's dovecot (dovecot-imapd, installed by .ci/run),
started on loopback with a config written here: plain logins from a passwd file, one Maildir
per user under a temporary directory. Tests deliver mail with IMAP APPEND, as a mail server
would have stored it."""

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.stack import free_port

DOVECOT = "/usr/sbin/dovecot"
# Users (each an empty mailbox) made at the start, one per test that asks.
USERS = 200

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/home/%u/Maildir
first_valid_uid = 1
default_internal_user = {internal_user}
default_login_user = {internal_user}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
"""


def available() -> bool:
    return Path(DOVECOT).exists()


class Dovecot:
    def __init__(self, root: Path, port: int):
        self.root = root
        self.port = port
        self.config = root / "dovecot.conf"

    def start(self) -> None:
        for name in ("run", "state", "home"):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        # Every user is written before the start: dovecot notices a changed passwd file by its
        # modification time, too coarse for users added within the same second.
        self._users = [
            (f"support-{uuid.uuid4().hex[:10]}@example.com", uuid.uuid4().hex) for _ in range(USERS)
        ]
        (self.root / "passwd").write_text(
            "".join(f"{login}:{{PLAIN}}{password}\n" for login, password in self._users)
        )
        if os.getuid() == 0:
            # Dovecot refuses mail access as root: mailboxes belong to nobody.
            user, group = "nobody", grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
            shutil.chown(self.root / "home", user, group)
            internal_user = "dovecot"
        else:
            user = pwd.getpwuid(os.getuid()).pw_name
            group = grp.getgrgid(os.getgid()).gr_name
            internal_user = user
        self.config.write_text(
            CONFIG.format(
                root=self.root, port=self.port, uid=user, gid=group, internal_user=internal_user
            )
        )
        subprocess.run([DOVECOT, "-c", str(self.config)], check=True)
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError((self.root / "dovecot.log").read_text())

    def stop(self) -> None:
        subprocess.run([DOVECOT, "-c", str(self.config), "stop"], check=False)

    def user(self) -> tuple[str, str]:
        """A new user with an empty mailbox: (login, password)."""
        return self._users.pop()


@contextmanager
def dovecot_running() -> Iterator[Dovecot]:
    """A running dovecot on loopback for the block; the test is skipped where there is none."""
    if not available():
        pytest.skip("dovecot-imapd is not installed (.ci/run installs it)")
    # Not under pytest's private tmp directory: dovecot's mail processes (another user when
    # the tests run as root) must reach the mailboxes.
    root = Path(tempfile.mkdtemp(prefix="destek-dovecot-"))
    root.chmod(0o755)
    server = Dovecot(root, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)

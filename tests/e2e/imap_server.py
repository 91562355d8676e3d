"""A private, real IMAP server (Debian's dovecot) on 127.0.0.1 for e2e tests.

Why a real one: UIDs, UIDVALIDITY, ``SEARCH`` dates, ``BODY.PEEK`` and the
login failure text are decided by the server; a fake would only repeat our own
reading of RFC 3501.

The instance is ours alone: its own configuration file, sockets, state and
Maildir in a temporary folder, a free port on 127.0.0.1 only, clear-text login
allowed there (nothing leaves the machine), and one user from a passwd-file.
It never touches the system's dovecot (installing the package may start that
one; we neither use nor stop it).  Mail arrives through IMAP ``APPEND``, the
way a mail-delivery agent's copy would appear to a client.

Use it through the session fixture ``imap_server`` (tests/e2e/conftest.py)::

    uid = imap_server.deliver(sender="Ops <ops@acme.example>", subject="Server down")
    ImapAdapter("127.0.0.1", port=imap_server.port, security="plain",
                user=imap_server.user, secret=imap_server.password, ...)

Dovecot runs as root (it must, to switch to its own unprivileged users);
without root or the package the tests are skipped, and fail under ``CI=true``.
Start-up ~0.1 s, stop ~1 s.  After a failed login dovecot's auth penalty
slows the next good login from 127.0.0.1 by ~4 s once (see test_imap_adapter).
"""
from __future__ import annotations

import imaplib
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from tests.e2e.desktop import wait_for
from tests.e2e.redmine import HOST, ensure_packages, free_port, log_tail, need_root, terminate

MAIL_USER = "nobody"  # any unprivileged account; dovecot refuses uid 0 for mail
CONFIG = """\
# A throw-away dovecot for oncall-desktop's e2e tests (generated; see tests/e2e/imap_server.py).
instance_name = oncall-e2e-{port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = {host}
ssl = no
# clear-text login is fine on the loopback interface only, which is all we listen on
disable_plaintext_auth = no
auth_mechanisms = plain login
# a wrong password is answered at once (default: after 2 s), to keep the tests fast
auth_failure_delay = 0
# throw-away mail: no fsync per message (~60 ms each otherwise)
mail_fsync = never
default_internal_user = dovecot
default_login_user = dovenull
# dovecot never lets mail be read as root: the mailbox belongs to "{mail_user}"
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@dataclass
class ImapServer:
    """One dovecot with one mailbox user; see the module docstring."""

    root: Path
    port: int = field(default_factory=free_port)
    user: str = "support@msp.example"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    _proc: subprocess.Popen | None = None
    _mailer: imaplib.IMAP4 | None = None  # one login for all deliveries: 105 mails in ~0.1 s

    @property
    def config(self) -> Path:
        return self.root / "dovecot.conf"

    def start(self) -> None:
        owner = pwd.getpwnam(MAIL_USER)
        for sub in ("run", "state", "mail", "home"):
            (self.root / sub).mkdir(exist_ok=True)
        for sub in ("mail", "home"):
            os.chown(self.root / sub, owner.pw_uid, owner.pw_gid)
        (self.root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        self.config.write_text(CONFIG.format(root=self.root, host=HOST, port=self.port, mail_user=MAIL_USER,
                                             uid=owner.pw_uid, gid=owner.pw_gid))
        with open(self.root / "dovecot.out", "ab") as out:
            self._proc = subprocess.Popen(["dovecot", "-F", "-c", str(self.config)], stdout=out,
                                          stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self._listening, 20, f"dovecot on {HOST}:{self.port} (log: {self.root / 'dovecot.log'})", 0.05)

    def _listening(self) -> bool:
        if self._proc is not None and self._proc.poll() is not None:
            raise AssertionError(f"dovecot exited with {self._proc.returncode}:\n{self._log_tail()}")
        try:
            with socket.create_connection((HOST, self.port), timeout=1):
                return True
        except OSError:
            return False

    def _log_tail(self) -> str:
        return log_tail(self.root, "dovecot.out", "dovecot.log")

    def stop(self) -> None:
        """Stop dovecot by its PID (the master stops its children) and delete its folder."""
        mailer, self._mailer = self._mailer, None
        if mailer is not None:
            mailer.logout()
        proc, self._proc = self._proc, None
        if proc is not None:
            terminate(proc)
        shutil.rmtree(self.root, ignore_errors=True)

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(HOST, self.port, timeout=10)
        conn.login(self.user, self.password)
        return conn

    def deliver(self, *, sender: str, subject: str, body: str = "", mailbox: str = "INBOX",
                when: datetime | None = None, headers: dict[str, str] | None = None) -> int:
        """Put one plain-text mail into ``mailbox`` (created if missing); returns its UID."""
        when = when or datetime.now(timezone.utc).replace(microsecond=0)
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = self.user
        msg["Subject"] = subject
        msg["Date"] = format_datetime(when)
        msg["Message-ID"] = make_msgid(domain="e2e.oncall.example")
        for name, value in (headers or {}).items():
            msg[name] = value
        msg.set_content(body or subject)
        if self._mailer is None:
            self._mailer = self.connect()
        if mailbox != "INBOX":
            self._mailer.create(mailbox)  # NO when it exists: fine
        typ, data = self._mailer.append(mailbox, "", imaplib.Time2Internaldate(when), msg.as_bytes())
        assert typ == "OK", f"APPEND to {mailbox} failed: {data!r}"
        match = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
        assert match, f"dovecot did not report the new UID (UIDPLUS): {data!r}"
        return int(match.group(1))

    def deliver_raw(self, raw: bytes, *, mailbox: str, when: datetime) -> int:
        """Put one message exactly as written (any charset, any MIME shape) into ``mailbox``; returns its UID.

        ``when`` becomes its INTERNALDATE, the time the server says it received the mail.
        """
        if self._mailer is None:
            self._mailer = self.connect()
        self._mailer.create(mailbox)  # NO when it exists: fine
        typ, data = self._mailer.append(mailbox, "", imaplib.Time2Internaldate(when), raw.replace(b"\n", b"\r\n"))
        assert typ == "OK", f"APPEND to {mailbox} failed: {data!r}"
        match = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
        assert match, f"dovecot did not report the new UID (UIDPLUS): {data!r}"
        return int(match.group(1))

    def recreate(self, mailbox: str) -> None:
        """Delete and re-create a folder: the server gives it a new UIDVALIDITY (RFC 3501 §2.3.1.1)."""
        conn = self.connect()
        try:
            conn.delete(mailbox)
            conn.create(mailbox)
        finally:
            conn.logout()

    def uidvalidity(self, mailbox: str = "INBOX") -> int:
        conn = self.connect()
        try:
            typ, data = conn.status(mailbox, "(UIDVALIDITY)")
        finally:
            conn.logout()
        match = re.search(rb"UIDVALIDITY (\d+)", data[0] or b"")
        assert typ == "OK" and match, f"STATUS {mailbox} failed: {data!r}"
        return int(match.group(1))


def start_imap_server() -> ImapServer:
    """Install dovecot if needed (root), start a private instance; the caller must ``stop()`` it."""
    ensure_packages(("dovecot-imapd",), ("dovecot",))
    need_root("the IMAP e2e tests run a private dovecot")
    root = Path(tempfile.mkdtemp(prefix="oncall-imap-"))
    root.chmod(0o755)  # dovecot's unprivileged login processes look into base_dir
    server = ImapServer(root)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server

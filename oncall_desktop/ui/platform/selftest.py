"""``oncall-desktop --selftest``: prove an installed (or frozen) build works end to end.

Why: a packaged app can miss a data file or a Qt plugin and only fail at
3 AM.  The self-test opens a temporary workspace, pages on a ticket through
the real rules, renders a bundled runbook with Qt, and exits 0 — or says in
one line what is broken.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def run_selftest() -> int:
    steps: list[str] = []
    try:
        from oncall_desktop.core.paging.escalation import Context, default_rules, evaluate
        from oncall_desktop.core.tickets.tickets import Ticket
        from oncall_desktop.services.app.workspace import Workspace
        from oncall_desktop.services.paging.notifier import Notifier
        from oncall_desktop.services.runbooks.library import load_library

        with tempfile.TemporaryDirectory(prefix="oncall-selftest-") as tmp:
            ws = Workspace(Path(tmp) / "ws", notifier=Notifier(backends=[_Quiet()]))
            try:
                ws.book.add(Ticket(title="Mail server down at Acme", client="Acme", priority=1))
                result, _ = ws.poll()
                if result.paged != 1:
                    raise RuntimeError(f"a P1 'server down' ticket should page once, paged {result.paged}")
                steps.append("workspace + poll + page")
            finally:
                ws.close()
        decision = evaluate(Ticket(title="Newsletter", priority=4), default_rules(), Context(), _now())
        if decision.page:
            raise RuntimeError("a newsletter should not page")
        steps.append("rules")
        _check_decoding()
        steps.append("vendor answers decode (msgspec)")
        from oncall_desktop.ui.platform import qt_probe

        probe = qt_probe.measure()
        if not probe.ok:
            raise RuntimeError(probe.sentence())
        steps.append(probe.sentence())
        bundle = getattr(sys, "_MEIPASS", None)
        if bundle and sys.platform.startswith("linux"):
            if bundle in os.environ.get("LD_LIBRARY_PATH", ""):
                raise RuntimeError("programs the app starts would load the bundle's libraries (LD_LIBRARY_PATH)")
            steps.append("programs it starts get the system's libraries")
        library = load_library()
        if library.refused or len(library.runbooks) < 12:
            raise RuntimeError(f"bundled runbooks incomplete: {len(library.runbooks)} loaded, refused {library.refused}")
        runbook = library.runbooks[sorted(library.runbooks)[0]]
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")
        from PySide6.QtGui import QTextDocument
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication([sys.argv[0]])
        doc = QTextDocument()
        doc.setMarkdown(runbook.body)
        if not doc.toPlainText().strip():
            raise RuntimeError(f"runbook '{runbook.id}' rendered empty")
        steps.append(f"runbook '{runbook.id}' rendered")
        # every view imports (a frozen build missing a Qt library fails here, not at 3 AM)
        from oncall_desktop.ui.controller import AppController
        from oncall_desktop.ui.main_window import MainWindow

        with tempfile.TemporaryDirectory(prefix="oncall-selftest-ui-") as tmp:
            controller = AppController(Path(tmp))
            window = MainWindow(controller, hide_on_close=False)
            if window.tabs.count() != 6:
                raise RuntimeError(f"the main window has {window.tabs.count()} tabs, expected 6")
            window.deleteLater()
            controller.shutdown()
        steps.append("main window built")
        del app
    except Exception as exc:  # noqa: BLE001 — the point is one readable line
        print(f"selftest FAILED after [{', '.join(steps)}]: {exc}", file=sys.stderr)
        return 1
    print("selftest ok: " + "; ".join(steps))
    return 0


def _check_decoding() -> None:
    """A frozen build without msgspec still works, only slower: say so rather than find out at a big poll."""
    import requests

    from oncall_desktop.services.psa import http
    from oncall_desktop.services.psa.vendors.freshdesk import TICKET_LIST

    try:
        import msgspec  # noqa: F401 — services/psa/http.py decodes with it when it imports
    except ImportError:
        raise RuntimeError("msgspec is missing: ticket lists would decode at half speed") from None
    answer = requests.Response()
    answer.status_code = 200
    answer._content = b'[{"id": 7, "subject": "Mail down", "spam": false, "tags": []}]'
    client = http.HttpClient("selftest", "https://selftest.invalid")
    try:
        got = client.decode(answer, "decode a ticket list", TICKET_LIST)
    finally:
        client.close()
    if got != [{"id": 7, "subject": "Mail down"}]:
        raise RuntimeError(f"a shaped ticket list decoded as {got!r}")


class _Quiet:
    """The self-test pages without disturbing anyone."""

    name = "selftest"

    def available(self) -> tuple[bool, str]:
        return True, ""

    def send(self, note: object) -> None:
        return None


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)

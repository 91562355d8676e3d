"""The runbook viewer loads no local file and no URL, and renders a huge table quickly (cut, and said so)."""
from __future__ import annotations

import base64
import time
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QUrl
from PySide6.QtGui import QColor, QImage, QTextDocument

from oncall_desktop.ui.runbooks.tree_walker import SafeBrowser

IMAGE = QTextDocument.ResourceType.ImageResource


def png(path: Path | None = None) -> bytes:
    image = QImage(4, 4, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    if path is not None:
        path.write_bytes(bytes(data))
    return bytes(data)


def view(qtbot, text: str) -> SafeBrowser:
    browser = SafeBrowser()
    qtbot.addWidget(browser)
    browser.resize(800, 600)
    browser.show_markdown(text)
    browser.show()
    browser.grab()  # lays out and paints: every image is asked for
    return browser


def test_local_files_never_load(qtbot, tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    png(secret)
    url = QUrl.fromLocalFile(str(secret))
    browser = view(qtbot, f"# Disk full\n\n![a]({secret})\n\n![b]({url.toString()})\n\n<img src='{secret}'>\n")
    doc = browser.document()
    for name in (url, QUrl(str(secret)), QUrl("http://evil.example/p.png"), QUrl("qrc:/icons/tray.png")):
        assert blank(doc.resource(int(IMAGE), name)), name          # never the file's 4×4 red picture


def blank(resource: object) -> bool:
    """No picture, or the viewer's 1×1 stand-in."""
    return resource is None or (isinstance(resource, QImage) and resource.width() == resource.height() == 1)


def test_a_small_inline_image_still_shows(qtbot) -> None:
    data_url = "data:image/png;base64," + base64.b64encode(png()).decode()
    browser = view(qtbot, f"![logo]({data_url})\n")
    shown = browser.document().resource(int(IMAGE), QUrl(data_url))
    assert not blank(shown)
    huge = "data:image/png;base64," + "A" * (70 * 1024)
    assert blank(browser.document().resource(int(IMAGE), QUrl(huge)))


def test_a_920_kb_table_renders_in_well_under_a_second(qtbot) -> None:
    row = "| " + " | ".join(f"cell {i}" for i in range(8)) + " |\n"
    text = "# Inventory\n\n" + row + "|" + "---|" * 8 + "\n" + row * (920_000 // len(row))
    started = time.perf_counter()
    browser = view(qtbot, text)
    assert time.perf_counter() - started < 1.5
    shown = browser.toPlainText()
    assert "more table row(s) not shown" in shown and "Inventory" in shown

"""HTML as a technician reads it.

Shapes: Outlook/Word HTML mail (MsoNormal paragraphs, <o:p>, conditional comments), a
HaloPSA ``details`` field (the editor's <p>/<br> HTML, per the HaloPSA API "Tickets" model), a
Freshdesk ``description`` (the API reference's example: ``<div>Details about the issue...</div>``),
a monitoring alert's table (Nagios/Zabbix HTML media templates) and a newsletter's size.
"""
from __future__ import annotations

import time

from oncall_desktop.core.tickets.html_text import html_to_text, looks_like_html, plain_text


def test_paragraphs_breaks_entities_and_dropped_content():
    html = ("<html><head><title>t</title><style>p{color:red}</style></head><body>"
            "<p>Hello <b>FS</b>01&nbsp;is down &amp; out</p><p>It&#8217;s the &quot;D:&quot; drive</p>"
            "<script>alert('x')</script>line<br>break<br/>end<!-- a comment --></body></html>")
    assert html_to_text(html) == "Hello FS01 is down & out\n\nIt\u2019s the \"D:\" drive\n\nline\nbreak\nend"


def test_outlook_conditional_comments_and_office_tags():
    html = ('<div class="WordSection1"><!--[if gte mso 9]><xml><o:OfficeDocumentSettings>'
            "</o:OfficeDocumentSettings></xml><![endif]--><p class=MsoNormal>Server room<o:p></o:p></p>"
            "<p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>is hot<o:p></o:p></p></div>")
    assert html_to_text(html) == "Server room\n\nis hot"


def test_lists_tables_pre_and_images():
    html = ("<ul><li>VPN</li><li>Mail</li></ul><ol><li>reboot<li>check</ol>"
            "<table><tr><th>Host</th><td>web01</td></tr><tr><td>State</td><td><b>DOWN</b></td></tr></table>"
            "<pre>  ping -c 3 web01\n  100% loss</pre><img src=x alt='[CRITICAL]'> icon")
    assert html_to_text(html) == ("- VPN\n- Mail\n\n1. reboot\n2. check\n\nHost\tweb01\nState\tDOWN\n\n"
                                  "  ping -c 3 web01\n  100% loss\n\n[CRITICAL] icon")


def test_halopsa_details_and_freshdesk_description():
    assert html_to_text("<p>Printer on fire</p><p>Smoke from tray 2<br>Call Lou on x204</p>") == \
        "Printer on fire\n\nSmoke from tray 2\nCall Lou on x204"
    assert html_to_text("<div>Details about the issue...</div>") == "Details about the issue..."


def test_malformed_markup_is_read_not_raised():
    assert html_to_text("<p>unclosed <b>bold <i>and<div>block</p></i>") == "unclosed bold and\nblock"
    assert html_to_text("a < b and c > d") == "a < b and c > d"
    assert html_to_text("<![CDATA[x]]><!DOCTYPE html>text&bogus;") == "text&bogus;"


def test_big_input_is_bounded_in_time_and_output():
    newsletter = "<table>" + "<tr><td>offer</td><td>buy now &amp; save</td></tr>" * 200_000 + "</table>"
    started = time.perf_counter()
    text = html_to_text(newsletter)
    assert time.perf_counter() - started < 1.0
    assert len(text) == 20_000 and text.startswith("offer\tbuy now & save")   # bounded, yet filled to the limit


def test_only_markup_is_converted():
    assert looks_like_html("<p>x</p>") and looks_like_html("Printer&nbsp;jam") and looks_like_html("<BR>")
    assert not looks_like_html("if a < b then c > d") and not looks_like_html("R&D team")
    assert plain_text("Line one\n  indented line") == "Line one\n  indented line"   # plain text kept as sent
    assert plain_text("<div>Line one</div><div>Line two</div>") == "Line one\nLine two"
    assert plain_text(None) == ""


def test_marked_sections_and_declarations_never_raise():
    """html.parser raises AssertionError on a marked section it does not know (found by fuzzing real mails);
    Word's list markup (``<![if !supportLists]>`` … ``<![endif]>``, Outlook HTML) is the common real case."""
    assert html_to_text("<p>Lights out</p><![ead <p>call Lou</p>") == "Lights out\n\ncall Lou"
    word_list = ("<p class=MsoListParagraph><![if !supportLists]><span>1.<span>&nbsp;&nbsp; </span></span>"
                 "<![endif]>Reboot FS01</p>")
    assert html_to_text(word_list) == "1. Reboot FS01"


def test_unclosed_markup_stays_linear():
    """html.parser rescans unfinished markup once per "<" in it; hostile or truncated mail must not cost minutes."""
    started = time.perf_counter()
    assert html_to_text("<p>a</p>" + "<!x" * 300_000) == "a\n\n" + "x" * 19_997
    assert html_to_text("<p>start</p><!--" + "<!--" * 200_000) == "start"    # unclosed: runs to the end
    assert html_to_text("<p>start</p>" + "<a" * 200_000) == "start"
    assert html_to_text("<p>start</p>" + "<p title='" * 100_000) == "start"
    assert html_to_text("<p>end of mail</p><b") == "end of mail"
    assert time.perf_counter() - started < 3.0

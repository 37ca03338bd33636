"""strip_quoted and strip_quoted_html keep what the sender wrote and drop the history their client quoted."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heartdesk.tickets.mail.parse import parse_message
from heartdesk.tickets.mail.quotes import strip_quoted, strip_quoted_html

SAMPLES = Path(__file__).parent / "samples"

PLAIN = [
    # Gmail, Apple Mail, Thunderbird: an attribution, then ">" lines
    (
        "Thanks, that worked!\n\nOn Tue, Mar 12, 2024 at 10:00 AM Heartdesk <support@hd.test> wrote:\n"
        "> Please restart.\n>\n> Alex",
        "Thanks, that worked!",
    ),
    # Gmail wraps a long attribution over two lines
    (
        "Thanks!\n\nOn Tue, Mar 12, 2024 at 10:00 AM Heartdesk Support <\nsupport@hd.test> wrote:\n\n> Please restart.",
        "Thanks!",
    ),
    ("Thanks!\n\nOn Tue, Mar 12, 2024 at 10:00 AM Heartdesk Support\n<support@hd.test> wrote:\n> old", "Thanks!"),
    ("Danke!\n\nAm Di., 12. März 2024 um 10:00 Uhr schrieb Support <s@hd.test>:\n> Bitte neu starten.", "Danke!"),
    ("Danke!\n\nAm 12.03.2024 um 10:00 schrieb Max Muster:\n> alt", "Danke!"),
    ("Merci !\n\nLe mar. 12 mars 2024 à 10:00, Support <s@hd.test> a\xa0écrit\xa0:\n> Redémarrez.", "Merci !"),
    ("Gracias\n\nEl mar, 12 mar 2024 a las 10:00, Soporte (<s@hd.test>) escribió:\n> Reinicie.", "Gracias"),
    ("Bedankt\n\nOp di 12 mrt 2024 om 10:00 schreef Support <s@hd.test>:\n> Herstart.", "Bedankt"),
    ("Grazie\n\nIl giorno mar 12 mar 2024 alle ore 10:00 Support <s@hd.test> ha scritto:\n> vecchio", "Grazie"),
    ("Obrigado\n\nEm ter., 12 de mar. de 2024 às 10:00, Suporte <s@hd.test> escreveu:\n> antigo", "Obrigado"),
    ("Tack\n\nDen tis 12 mars 2024 kl 10:00 skrev Support <s@hd.test>:\n> gammalt", "Tack"),
    # a dated attribution ends the reply even when the client did not mark the quote (Yahoo, some webmail)
    ("Done.\n\nOn Tuesday, March 12, 2024, 10:00 AM, Support <s@hd.test> wrote:\n\nPlease restart.", "Done."),
    # an attribution-like line of a person's, with no date and no quote after it, is the person's text
    (
        "As my colleague wrote:\nthe printer is broken.\nPlease help.",
        "As my colleague wrote:\nthe printer is broken.\nPlease help.",
    ),
    ("On Monday John wrote:\nhe needs access too.", "On Monday John wrote:\nhe needs access too."),
    # a bare "X wrote:" counts only when quoted lines follow it
    ("Yes.\n\nAnna Berg wrote:\n> Can you?", "Yes."),
    ("Иван, спасибо!\n\n12.03.2024 10:00, Иван пишет:\n> старое", "Иван, спасибо!"),
    # Outlook: "Original Message" separators and header blocks
    (
        "Works now.\n\n-----Original Message-----\nFrom: Support <s@hd.test>\nSent: Tuesday, March 12, 2024 10:00 AM\n"
        "To: Anna\nSubject: RE: x\n\nPlease restart.",
        "Works now.",
    ),
    ("Läuft.\n\n-----Ursprüngliche Nachricht-----\nVon: Support\nGesendet: Dienstag\n\nalt", "Läuft."),
    (
        "Works now.\n\n________________________________\nFrom: Support <s@hd.test>\nSent: Tuesday, March 12, 2024\n"
        "To: Anna\nSubject: RE: x\n\nPlease restart.",
        "Works now.",
    ),
    (
        "Works now.\n\nFrom: Support <s@hd.test>\nSent: Tuesday, March 12, 2024 10:00 AM\nTo: Anna\n\nPlease restart.",
        "Works now.",
    ),
    ("OK\n\n*From:* Support <s@hd.test>\n*Sent:* Tuesday\n*To:* Anna\n\nold", "OK"),  # Outlook bold, as text
    ("Merci\n\nDe : Support <s@hd.test>\nEnvoyé : mardi 12 mars 2024 10:00\nÀ : Anna\n\nvieux", "Merci"),
    ("Bedankt\n\nVan: Support <s@hd.test>\nVerzonden: dinsdag 12 maart 2024 10:00\n\noud", "Bedankt"),
    ("Gracias\n\nDe: Soporte\nEnviado el: martes, 12 de marzo de 2024 10:00\n\nviejo", "Gracias"),
    # a "From:" line of the person's own, without a Sent/Date line, is just text
    (
        "From: the sales team, again.\nThey still cannot log in.",
        "From: the sales team, again.\nThey still cannot log in.",
    ),
    # forwarded messages are content, not history
    (
        "See below.\n\n---------- Forwarded message ---------\nFrom: Bob <b@example.com>\nDate: Tue, 12 Mar 2024\n"
        "Subject: x\n\nThe original problem.",
        "See below.\n\n---------- Forwarded message ---------\nFrom: Bob <b@example.com>\nDate: Tue, 12 Mar 2024\n"
        "Subject: x\n\nThe original problem.",
    ),
    # a separator of underscores with no header block under it is not history
    ("Notes\n________________________________\nmore notes", "Notes\n________________________________\nmore notes"),
    # mobile signatures at the end go, wherever the quote is
    ("Works now.\n\nSent from my iPhone", "Works now."),
    (
        "Works now.\n\nSent from my iPhone\n\n> On 12 Mar 2024, at 10:00, Support <s@hd.test> wrote:\n>\n> old",
        "Works now.",
    ),
    ("Läuft.\n\nVon meinem iPhone gesendet", "Läuft."),
    ("Merci\n\nEnvoyé de mon iPad", "Merci"),
    ("OK\n\nGet Outlook for Android<https://aka.ms/AAb9ysg>", "OK"),
    (
        "Sent from my iPhone, the printer still fails.\nCall me.",
        "Sent from my iPhone, the printer still fails.\nCall me.",
    ),
    # inline answers between quoted lines stay; the quoted lines and the attribution go
    ("On Tue, X <x@y.z> wrote:\n> q1\na1\n> q2\na2", "a1\na2"),
    ("> Can you restart it?\nDone.\n> And the cache?\nCleared.", "Done.\nCleared."),
    # bottom-posting
    ("On Tue, 12 Mar 2024, X <x@y.z> wrote:\n> old question\n\nMy answer.", "My answer."),
    # everything quoted, or nothing said: the original, stripped
    ("> only quoted\n> text", "> only quoted\n> text"),
    ("  \n\nOn Tue, 12 Mar 2024, X wrote:\n> old\n", "On Tue, 12 Mar 2024, X wrote:\n> old"),
    ("Sent from my iPhone", "Sent from my iPhone"),
    ("", ""),
    ("   \n ", ""),
    # line endings and blank runs
    ("Line one\r\nLine two\r\n\r\n\r\n\r\nLine three\r\n", "Line one\nLine two\n\nLine three"),
    ("  indented first line\nsecond", "  indented first line\nsecond"),
]


@pytest.mark.parametrize(("text", "expected"), PLAIN)
def test_strip_quoted(text, expected):
    assert strip_quoted(text) == expected


HTML = [
    # Gmail
    (
        '<div dir="ltr">Thanks!</div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" '
        'class="gmail_attr">On Tue, X wrote:<br></div><blockquote class="gmail_quote">old</blockquote></div>',
        '<div dir="ltr">Thanks!</div>',
    ),
    # Thunderbird
    (
        '<p>Fixed.</p><div class="moz-cite-prefix">On 3/12/24 10:00, Support wrote:<br></div>'
        '<blockquote type="cite"><p>old</p></blockquote><p>Bottom-posted answer.</p>',
        "<p>Fixed.</p><p>Bottom-posted answer.</p>",
    ),
    # Apple Mail: the attribution sits just above the cited blockquote, outside it
    (
        "<div>Fixed, thanks.<br><div><br><div>On 12 Mar 2024, at 10:00, Support &lt;s@hd.test&gt; wrote:</div><br>"
        '<blockquote type="cite"><div>old</div></blockquote></div></div>',
        "<div>Fixed, thanks.</div>",
    ),
    (
        'Great!<br><br>On 12 Mar 2024, at 10:00, Support wrote:<br><blockquote type="cite">old</blockquote>',
        "Great!",
    ),
    # Outlook on the web: everything from #appendonsend / #divRplyFwdMsg on is history
    (
        '<div>Works.</div><div><br></div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> x<br>'
        "<b>Sent:</b> y</div><div>old stuff</div>",
        "<div>Works.</div>",
    ),
    ('<div><p>Works.</p><div id="divRplyFwdMsg"><b>From:</b> x</div><p>old</p></div>', "<div><p>Works.</p></div>"),
    # Outlook desktop: a bordered block whose text is a From/Sent header
    (
        '<div><p>Fine now.</p><p>&nbsp;</p><div style="border-top:solid #E1E1E1 1.0pt"><p><b>From:</b> Support '
        "&lt;s@hd.test&gt;<br><b>Sent:</b> Tuesday<br><b>To:</b> Anna</p></div><p>Please restart</p></div>",
        "<div><p>Fine now.</p></div>",
    ),
    (
        "<p>Läuft.</p><div><p><b>Von:</b> Support<br><b>Gesendet:</b> Dienstag</p></div><p>alt</p>",
        "<p>Läuft.</p>",
    ),
    ("<p>OK</p><p>-----Original Message-----<br>From: S<br>Sent: Tue</p><p>old</p>", "<p>OK</p>"),
    # Yahoo
    ('<div>Sure.</div><div class="yahoo_quoted">On Tuesday, X wrote: old</div>', "<div>Sure.</div>"),
    # images in the new part count as content
    ('<div>Hi<img src="cid:a"></div><div class="gmail_quote">q</div>', '<div>Hi<img src="cid:a"></div>'),
    # nothing to remove: unchanged, byte for byte
    ("<p>Just   a <b>message</b>&nbsp;</p><br><br>", "<p>Just   a <b>message</b>&nbsp;</p><br><br>"),
    (
        "<blockquote><p>a quote the person typed</p></blockquote>",
        "<blockquote><p>a quote the person typed</p></blockquote>",
    ),
    # everything quoted: unchanged
    ('<blockquote type="cite">only old</blockquote>', '<blockquote type="cite">only old</blockquote>'),
    ('<div id="appendonsend"></div><div>old</div>', '<div id="appendonsend"></div><div>old</div>'),
    # malformed HTML: balanced output, nothing raised
    ("<p>unclosed <blockquote type=cite>old <b>x</p></div></span> new", "<p>unclosed </p> new"),
    ('<div>a</span></i><div class="gmail_quote">q', "<div>a</div>"),
    ("", ""),
]


@pytest.mark.parametrize(("html", "expected"), HTML)
def test_strip_quoted_html(html, expected):
    assert strip_quoted_html(html) == expected


SAMPLE_REPLIES = [
    (
        "gmail_reply.eml",
        "Thanks, clearing the cache fixed it!\n\nOne more question: can I export the report as CSV?",
        '<div dir="ltr"><div>Thanks, clearing the cache fixed it!</div><div><br></div>'
        "<div>One more question: can I export the report as CSV?</div></div>",
    ),
    (
        "outlook_reply.eml",
        "Hi Alex,\n\nThe restart did not help. Logs attached.\n\nBest regards\nSanne",
        "<div><p>Hi Alex,</p><p>&nbsp;</p><p>The restart did not help. Logs attached.</p>"
        '<p><img width="120" height="40" src="cid:image001.png@01DA7455.1A2B3C40" alt="Logo">'
        '<img width="16" height="16" src="cid:image002.png@01DA7455.1A2B3C40"></p><p>Best regards<br>Sanne</p></div>',
    ),
    (
        "apple_mail_reply.eml",
        "Perfect, thank you!",
        'Perfect, thank you!<br><br><div dir="ltr">Sent from my iPhone</div>',
    ),
]


@pytest.mark.parametrize(("name", "text", "html"), SAMPLE_REPLIES)
def test_the_sample_replies_come_down_to_what_was_written(name, text, html):
    mail = parse_message((SAMPLES / name).read_bytes())
    assert strip_quoted(mail.text) == text
    assert strip_quoted_html(mail.html) == html


def test_text_derived_from_html_quotes_can_be_stripped_too():
    raw = (
        b"From: a@example.com\r\nContent-Type: text/html\r\n\r\n"
        b"<p>New words.</p><blockquote type=cite><p>Old words.</p></blockquote>"
    )
    assert strip_quoted(parse_message(raw).text) == "New words."


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_strip_quoted_never_raises_and_never_empties_text_with_content(text):
    result = strip_quoted(text)
    assert bool(result.strip()) == bool(text.strip())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<div>",
                "</div>",
                "<p>",
                "</p>",
                "<br>",
                '<blockquote type="cite">',
                "</blockquote>",
                "text",
                "&nbsp;",
                '<div class="gmail_quote">',
                '<div id="divRplyFwdMsg">',
                "<b>From:</b> x<br><b>Sent:</b> y",
                "<img src=x>",
                "On Tue, X wrote:",
                "</span>",
                "<",
            ]
        ),  # fmt: skip
        max_size=30,
    )
)
def test_strip_quoted_html_never_raises_on_tag_soup(chunks):
    html = "".join(chunks)
    assert isinstance(strip_quoted_html(html), str)

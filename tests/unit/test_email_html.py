"""An e-mail reply's HTML part: the same words as the plain part, paragraphs and line breaks
kept, links clickable, photos shown, and nothing the text holds read as markup."""

from services.responder.adapters.smtp_sender import html_body


def test_paragraphs_lines_and_links_are_kept() -> None:
    body = "Bisa, kak.\nOngkir ke Bandung Rp 25.000.\n\nLacak di https://toko.example/lacak?id=7."

    html = html_body(body)

    assert "<p>Bisa, kak.<br>\nOngkir ke Bandung Rp 25.000.</p>" in html
    link = '<a href="https://toko.example/lacak?id=7">https://toko.example/lacak?id=7</a>.'
    assert f"<p>Lacak di {link}</p>" in html


def test_markup_in_the_text_is_escaped_and_only_https_photos_are_shown() -> None:
    html = html_body(
        'Ukuran <b>L</b> & "XL" ada',
        ["https://toko.example/kemeja.jpg", "http://toko.example/tidak-aman.jpg"],
    )

    assert "<p>Ukuran &lt;b&gt;L&lt;/b&gt; &amp; &quot;XL&quot; ada</p>" in html
    assert '<img src="https://toko.example/kemeja.jpg"' in html
    assert "tidak-aman" not in html

"""The PNG and SVG decode to exactly the code's URL; the poster is a one-page A4 PDF."""

import io
from datetime import UTC, datetime

import cairosvg
import pytest
import zxingcpp
from PIL import Image

from contactless.outreach import images

URL = "https://bank.example.cn/q/Ab-d_fGhIjKl.k7AbCdEfGhIjK"
LABEL = images.Label(bank_name="示范农商银行", caption="张三、李四<&>",
                     footer="王*明 138****1234")


def decoded(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.mark.parametrize("url", [URL, URL + "?x=" + "y" * 120])
def test_png_and_svg_decode_to_exactly_the_url(url: str) -> None:
    png = images.png(url, LABEL)
    assert decoded(png) == [url]
    svg = images.svg(url, LABEL)
    assert "张三、李四&lt;&amp;&gt;" in svg
    assert decoded(cairosvg.svg2png(bytestring=svg.encode())) == [url]


def test_the_label_sits_under_the_code() -> None:
    image = Image.open(io.BytesIO(images.png(URL, LABEL)))
    code = images.qr_image(URL)
    assert image.height > code.height + 60
    assert image.width >= code.width


def test_the_poster_is_a_one_page_a4_pdf() -> None:
    pdf = images.poster_pdf(URL, images.Label("示范农商银行", "张三", "定期存款转存", "某公司"),
                            expires_at=datetime(2026, 12, 31, tzinfo=UTC),
                            zone="Asia/Shanghai", locale="zh-CN")
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(
        b"/Type /Page>") >= 1
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf
    assert b"STSong-Light" in pdf

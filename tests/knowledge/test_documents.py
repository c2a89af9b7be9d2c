"""Loaders for Markdown, HTML, PDF, DOCX and plain text."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import InvalidInput
from knowledge.documents import load_document
from tests.knowledge.conftest import KETTLE_EN, PURIFIER_ZH


def minimal_pdf(lines: list[str], title: str) -> bytes:
    """A one-page PDF with Helvetica text and an info dictionary, written by hand (no PDF writer installed)."""
    stream = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title ({title}) /Subject (heatwave-kettle) >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_markdown_front_matter_headings_lists_and_tables(tmp_path: Path) -> None:
    path = tmp_path / "kettle.md"
    path.write_text(KETTLE_EN + "\n| Item | Value |\n|---|---|\n| Capacity | 1.7 l |\n", encoding="utf-8")
    doc = load_document(path)
    assert (doc.title, doc.product, doc.language) == ("HeatWave Kettle Guide", "heatwave-kettle", "en")
    headings = [b.text for b in doc.blocks if b.kind == "heading"]
    assert headings == ["HeatWave Kettle Guide", "Descaling", "Warranty"]
    assert any(b.text == "Item: Capacity; Value: 1.7 l." for b in doc.blocks)
    # a soft-wrapped paragraph is one block
    assert any(
        b.text.startswith("Descale the kettle") and b.text.endswith("Rinse twice before use.") for b in doc.blocks
    )


def test_chinese_markdown_joins_wrapped_lines_without_spaces(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_text(PURIFIER_ZH.replace("以先到者为准。", "以先到者\n为准。"), encoding="utf-8")
    doc = load_document(path)
    assert doc.language == "zh" and doc.product == "aquapure-x3"
    assert any("以先到者为准" in b.text for b in doc.blocks)


def test_html_meta_headings_lists_and_tables(tmp_path: Path) -> None:
    path = tmp_path / "sub.html"
    path.write_text(
        """<html lang="zh-CN"><head><title>滤芯订阅</title><meta name="product" content="filter-fc30"></head>
        <body><nav>首页</nav><h1>滤芯订阅</h1><p>每 6 个月寄出一支新滤芯。</p><h2>价格</h2>
        <table><tr><th>方式</th><th>价格</th></tr><tr><td>订阅</td><td>259 元</td></tr></table>
        <ul><li>随时可以取消。</li></ul><script>var x = 1;</script></body></html>""",
        encoding="utf-8",
    )
    doc = load_document(path)
    assert (doc.title, doc.product, doc.language) == ("滤芯订阅", "filter-fc30", "zh")
    texts = [b.text for b in doc.blocks]
    assert "方式：订阅；价格：259 元。" in texts and "随时可以取消。" in texts
    assert not any("var x" in t or "首页" in t for t in texts)


def test_plain_text_headings_in_capitals_and_underlines(tmp_path: Path) -> None:
    path = tmp_path / "quick.txt"
    path.write_text(
        "KETTLE QUICK START\n==================\n\n1. BEFORE FIRST USE\n\n   - Boil water twice and pour it away.\n\n"
        "2. DESCALING\n\nDescale every 4 weeks.\n",
        encoding="utf-8",
    )
    doc = load_document(path, default_product="heatwave-kettle")
    assert doc.title == "KETTLE QUICK START" and doc.product == "heatwave-kettle"
    assert [b.text for b in doc.blocks if b.kind == "heading"][1:] == ["1. BEFORE FIRST USE", "2. DESCALING"]


def test_gb18030_text_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("退货说明\n\n签收后 7 天内可以退货。".encode("gb18030"))
    doc = load_document(path)
    assert doc.language == "zh" and "签收后 7 天内可以退货。" in doc.text


def test_docx_styles_properties_and_tables(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = "CoolBreeze 使用说明"
    document.core_properties.subject = "coolbreeze-fan"
    document.add_heading("遥控器", level=1)
    document.add_paragraph("遥控器在 6 米内有效。电池型号为 CR2032。")
    document.add_heading("Warranty", level=2)
    document.add_paragraph("The motor has a 3-year warranty.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Part", "Warranty"
    table.cell(1, 0).text, table.cell(1, 1).text = "Motor", "3 years"
    path = tmp_path / "fan.docx"
    document.save(str(path))
    doc = load_document(path)
    assert (doc.title, doc.product) == ("CoolBreeze 使用说明", "coolbreeze-fan")
    assert [(b.text, b.level) for b in doc.blocks if b.kind == "heading"] == [("遥控器", 1), ("Warranty", 2)]
    assert "Part: Motor; Warranty: 3 years." in [b.text for b in doc.blocks]


def test_pdf_pages_become_sections(tmp_path: Path) -> None:
    path = tmp_path / "kettle.pdf"
    path.write_bytes(minimal_pdf(["Descale the kettle every 4 weeks.", "Rinse twice before use."], "Kettle care"))
    doc = load_document(path)
    assert doc.title == "Kettle care" and doc.product == "heatwave-kettle" and doc.language == "en"
    assert doc.blocks[0].text == "p. 1"
    assert "Descale the kettle every 4 weeks." in doc.text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("x.xlsx", b"PK", "unsupported"),
        ("empty.md", b"---\ntitle: x\n---\n", "no text"),
        ("broken.pdf", b"%PDF-1.4 garbage", "cannot read"),
        ("bad.md", b"---\ntitle: [unclosed\n---\nbody\n", "front matter"),
    ],
)
def test_unusable_files_raise_invalid_input(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InvalidInput, match=message):
        load_document(path)

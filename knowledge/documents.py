"""Document loaders: Markdown, HTML, PDF, DOCX and plain text, Chinese and English, into headed blocks.

Metadata (title, product, language, kind) comes from the document itself: YAML front matter in Markdown and text
files, <meta name=...> in HTML, core properties in DOCX (subject = product), the info dictionary in PDF. Language
falls back to detection, title to the first heading or the file name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from core.errors import InvalidInput
from core.language import detect_language, has_cjk

BlockKind = Literal["heading", "text"]
SUPPORTED = (".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".txt")


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str
    level: int = 0  # heading level (1 = title); 0 for text
    page: int | None = None


@dataclass
class SourceDocument:
    source: str
    title: str
    blocks: list[Block]
    content_hash: str
    product: str | None = None
    language: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED and not path.name.startswith((".", "~$"))


def load_document(path: Path, *, source: str | None = None, default_product: str | None = None) -> SourceDocument:
    """Read one file; raises InvalidInput for unsupported, unreadable or empty files."""
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        raise InvalidInput(f"{path.name}: unsupported document type {suffix!r}; supported: {', '.join(SUPPORTED)}")
    try:
        raw = path.read_bytes()
        meta, blocks = loader(raw)
    except InvalidInput:
        raise
    except Exception as exc:  # parsers raise anything from KeyError to zlib errors on damaged files
        raise InvalidInput(f"{path.name}: cannot read {suffix} document: {exc.__class__.__name__}: {exc}") from exc
    blocks = [b for b in blocks if b.text.strip()]
    if not any(b.kind == "text" for b in blocks):
        raise InvalidInput(f"{path.name}: no text found")
    title = str(meta.pop("title", "") or "").strip() or _first_heading(blocks) or path.stem
    product = str(meta.pop("product", "") or "").strip() or default_product
    body = "\n".join(b.text for b in blocks)
    language = str(meta.pop("language", "") or "").strip().lower()[:2] or detect_language(body)
    return SourceDocument(
        source=source or str(path),
        title=title,
        blocks=blocks,
        content_hash=hashlib.sha256(raw).hexdigest(),
        product=product,
        language=language,
        meta={k: v for k, v in meta.items() if isinstance(v, str | int | float | bool)},
    )


def _first_heading(blocks: list[Block]) -> str | None:
    return next((b.text for b in blocks if b.kind == "heading"), None)


# ---------------------------------------------------------------- Markdown and text

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("text is neither UTF-8 nor GB18030")


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    try:
        data = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise InvalidInput(f"front matter is not valid YAML: {exc}") from exc
    return (data if isinstance(data, dict) else {}), text[m.end() :]


def _inline(text: str) -> str:
    return _EMPHASIS.sub("", _LINK.sub(r"\1", text)).strip()


def table_rows_as_text(rows: list[list[str]]) -> list[str]:
    """A table becomes one line per row, "Header: value; Header: value.", readable and citable on its own."""
    rows = [[c.strip() for c in r] for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        return ["; ".join(r) for r in rows]
    header, body = rows[0], rows[1:]
    lines = []
    for row in body:
        zh = detect_language(" ".join(row)) == "zh"
        colon, sep, end = ("：", "；", "。") if zh else (": ", "; ", ".")
        line = sep.join(f"{h}{colon}{v}" if h else v for h, v in zip(header, row, strict=False) if v)
        lines.append(line if line.endswith((".", "。")) else line + end)
    return lines


def _paragraph(lines: list[str]) -> Block:
    # a soft-wrapped paragraph is one line; Chinese joins without a space
    text = ""
    for line in lines:
        line = _inline(line)
        glued = not text or not line or (has_cjk(text[-1]) and has_cjk(line[0]))
        if glued or text.endswith(tuple("，。！？；：、")):
            text += line
        else:
            text = f"{text} {line}"
    return Block("text", text)


def _parse_markdown(raw: bytes) -> tuple[dict[str, Any], list[Block]]:
    meta, text = _front_matter(_decode(raw))
    blocks: list[Block] = []
    para: list[str] = []
    table: list[list[str]] = []
    in_code = False

    def flush() -> None:
        if para:
            blocks.append(_paragraph(para))
            para.clear()
        if table:
            blocks.extend(Block("text", _inline(line)) for line in table_rows_as_text(table))
            table.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            in_code = not in_code
            continue
        if in_code:
            para.append(stripped)
            continue
        heading = _ATX.match(stripped)
        if heading:
            flush()
            blocks.append(Block("heading", _inline(heading.group(2)), level=len(heading.group(1))))
        elif stripped.startswith("|"):
            if para:
                flush()
            cells = [c for c in stripped.strip("|").split("|")]
            if not all(re.fullmatch(r"\s*:?-{2,}:?\s*", c) for c in cells):
                table.append(cells)
        elif not stripped:
            flush()
        elif _LIST_ITEM.match(line):
            flush()
            para.append(_LIST_ITEM.sub("", line))
        else:
            if table:
                flush()
            para.append(stripped)
    flush()
    return meta, blocks


_SETEXT = re.compile(r"^(=+|-+)\s*$")


def _is_text_heading(line: str) -> bool:
    """Plain-text headings: short lines in capitals ("2. PAIRING WITH THE APP") or ending with a colon."""
    core = re.sub(r"^\d+[.)]\s*", "", line)
    letters = [c for c in core if c.isalpha()]
    if not letters or len(line) > 80 or line.endswith((".", "。", "!", "?", "！", "？")):
        return False
    return all(c.isupper() for c in letters if c.isascii()) and any(c.isascii() for c in letters)


def _parse_text(raw: bytes) -> tuple[dict[str, Any], list[Block]]:
    meta, text = _front_matter(_decode(raw))
    lines = text.splitlines()
    blocks: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(_paragraph(para))
            para.clear()

    for i, line in enumerate(lines):
        stripped = line.strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if _SETEXT.match(stripped) and not para:
            continue  # the underline of a heading handled on the line before
        if stripped and _SETEXT.match(nxt) and len(nxt) >= 3:
            flush()
            blocks.append(Block("heading", stripped, level=1 if nxt.startswith("=") else 2))
        elif stripped and _is_text_heading(stripped):
            flush()
            blocks.append(Block("heading", stripped, level=2))
        elif not stripped:
            flush()
        elif _LIST_ITEM.match(line):
            flush()
            para.append(_LIST_ITEM.sub("", line))
        else:
            para.append(stripped)
    flush()
    return meta, blocks


# ---------------------------------------------------------------- HTML

_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_SKIP = {"script", "style", "nav", "header", "footer", "noscript", "template"}


def _parse_html(raw: bytes) -> tuple[dict[str, Any], list[Block]]:
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(raw, "html.parser")
    meta: dict[str, Any] = {}
    for tag in soup.find_all("meta"):
        name, content = tag.get("name"), tag.get("content")
        if isinstance(name, str) and isinstance(content, str):
            meta[name.lower()] = content
    if soup.title and soup.title.string:
        meta.setdefault("title", soup.title.string.strip())
    html_tag = soup.find("html")
    if isinstance(html_tag, Tag) and isinstance(html_tag.get("lang"), str):
        meta.setdefault("language", str(html_tag.get("lang")))
    blocks: list[Block] = []

    def walk(node: Tag) -> None:
        for child in node.children:
            if not isinstance(child, Tag) or child.name in _SKIP:
                continue
            if child.name in _HEADINGS:
                blocks.append(Block("heading", child.get_text(" ", strip=True), level=_HEADINGS[child.name]))
            elif child.name == "table":
                rows = [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for tr in child.find_all("tr")]
                blocks.extend(Block("text", line) for line in table_rows_as_text(rows))
            elif child.name in ("p", "li", "pre", "blockquote", "dt", "dd", "figcaption"):
                text = child.get_text(" " if child.name != "pre" else "\n", strip=True)
                blocks.append(Block("text", re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", text)))
            else:
                walk(child)

    walk(soup.body if isinstance(soup.body, Tag) else soup)
    return meta, blocks


# ---------------------------------------------------------------- PDF and DOCX


def _parse_pdf(raw: bytes) -> tuple[dict[str, Any], list[Block]]:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(raw))
    info: Any = reader.metadata or {}
    meta: dict[str, Any] = {}
    for key, name in (("/Title", "title"), ("/Subject", "product"), ("/Lang", "language"), ("/Keywords", "kind")):
        value = info.get(key)
        if value:
            meta[name] = str(value)
    blocks: list[Block] = []
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        # PDFs have no headings to trust: each page is a section, so citations can say "p. 3"
        blocks.append(Block("heading", f"p. {number}", level=2, page=number))
        for para in re.split(r"\n\s*\n", text):
            lines = [ln.strip() for ln in para.splitlines() if ln.strip()]
            if lines:
                blocks.append(Block("text", _paragraph(lines).text, page=number))
    return meta, blocks


def _parse_docx(raw: bytes) -> tuple[dict[str, Any], list[Block]]:
    import io

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(raw))
    props = document.core_properties
    meta: dict[str, Any] = {
        "title": props.title or "",
        "product": props.subject or "",
        "language": props.language or "",
        "kind": props.category or "",
    }
    blocks: list[Block] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            style = (para.style.name if para.style is not None else "") or ""
            text = para.text.strip()
            if style == "Title":
                meta["title"] = meta["title"] or text
                blocks.append(Block("heading", text, level=1))
            elif style.startswith("Heading"):
                level = int(style.split()[-1]) if style.split()[-1].isdigit() else 2
                blocks.append(Block("heading", text, level=level))
            else:
                blocks.append(Block("text", text))
        elif tag == "tbl":
            table = Table(child, document)
            rows = [[cell.text for cell in row.cells] for row in table.rows]
            blocks.extend(Block("text", line) for line in table_rows_as_text(rows))
    return meta, blocks


_LOADERS: dict[str, Callable[[bytes], tuple[dict[str, Any], list[Block]]]] = {
    ".md": _parse_markdown,
    ".markdown": _parse_markdown,
    ".txt": _parse_text,
    ".html": _parse_html,
    ".htm": _parse_html,
    ".pdf": _parse_pdf,
    ".docx": _parse_docx,
}

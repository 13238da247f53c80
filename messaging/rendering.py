"""A safe subset of Markdown: emphasis, code, links (http, https, mailto) and lists.

Bodies are stored as plain text. Rendering escapes every character of HTML first and only
then adds the few tags of the subset, so no input can produce a tag, an attribute or a
`javascript:` link: raw HTML in a body is shown as text.
"""

import html
import re

_LIST_ITEM = re.compile(r"^\s*(?:([-*+])|(\d{1,9})[.)])\s+(.*)$")
_CODE = re.compile(r"(`[^`\n]+`)")
_LINK = re.compile(r"\[([^\[\]\n]+)\]\(([^()\s]+)\)")
_BARE_URL = re.compile(r"\b(?:https?://|mailto:)[^\s<>\"'\x00]+", re.IGNORECASE)
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_EM_UNDERSCORE = re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])")
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_TRAILING_PUNCTUATION = ".,;:!?"


def render_markdown(text: str) -> str:
    """HTML for a message body."""
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    blocks = [block for block in re.split(r"\n[ \t]*\n", text.strip()) if block.strip()]
    return "".join(_render_block(block) for block in blocks)


def _render_block(block: str) -> str:
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    ordered = False
    for line in block.split("\n"):
        match = _LIST_ITEM.match(line)
        if match:
            if paragraph:
                out.append(_paragraph(paragraph))
                paragraph = []
            if items and ordered != bool(match.group(2)):
                out.append(_list(items, ordered))
                items = []
            ordered = bool(match.group(2))
            items.append(match.group(3))
        else:
            if items:
                out.append(_list(items, ordered))
                items = []
            paragraph.append(line)
    if paragraph:
        out.append(_paragraph(paragraph))
    if items:
        out.append(_list(items, ordered))
    return "".join(out)


def _paragraph(lines: list[str]) -> str:
    return "<p>" + "<br>".join(_inline(line) for line in lines) + "</p>"


def _list(items: list[str], ordered: bool) -> str:
    tag = "ol" if ordered else "ul"
    return f"<{tag}>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + f"</{tag}>"


def _inline(raw: str) -> str:
    out = []
    for part in _CODE.split(raw):
        if len(part) > 2 and part.startswith("`") and part.endswith("`"):
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
        else:
            out.append(_spans(part))
    return "".join(out)


def _safe_url(url: str) -> bool:
    return url.lower().startswith(_SAFE_SCHEMES) and len(url) > len("http://")


def _spans(raw: str) -> str:
    """Links and emphasis in text without code; everything is escaped first."""
    tokens: list[str] = []

    def hold(markup: str) -> str:
        tokens.append(markup)
        return f"\x00{len(tokens) - 1}\x00"

    def link(match: re.Match) -> str:
        label, url = match.group(1), match.group(2)
        if not _safe_url(url):
            return match.group(0)
        return hold(_anchor(url, _emphasis(html.escape(label))))

    def bare(match: re.Match) -> str:
        url = match.group(0)
        trailing = ""
        while url and url[-1] in _TRAILING_PUNCTUATION:
            trailing = url[-1] + trailing
            url = url[:-1]
        if not _safe_url(url):
            return match.group(0)
        return hold(_anchor(url, html.escape(url))) + trailing

    text = _LINK.sub(link, raw)
    text = _BARE_URL.sub(bare, text)
    # Escape everything outside the held links (odd pieces are their numbers), then
    # emphasis, then put the links back.
    pieces = _PLACEHOLDER.split(text)
    rebuilt = "".join(
        f"\x00{piece}\x00" if index % 2 else html.escape(piece)
        for index, piece in enumerate(pieces)
    )
    return _PLACEHOLDER.sub(lambda m: tokens[int(m.group(1))], _emphasis(rebuilt))


def _emphasis(escaped: str) -> str:
    escaped = _STRONG.sub(r"<strong>\1</strong>", escaped)
    escaped = _EM_STAR.sub(r"<em>\1</em>", escaped)
    return _EM_UNDERSCORE.sub(r"<em>\1</em>", escaped)


def _anchor(url: str, label_html: str) -> str:
    href = html.escape(url, quote=True)
    return f'<a href="{href}" rel="noopener noreferrer nofollow" target="_blank">{label_html}</a>'

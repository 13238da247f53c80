"""The human-readable transcript of a bundle: one self-contained HTML file with print CSS
(A4 pages numbered "page n of m", the bundle's hash in every page's footer), the handling
code printed on every message and withheld items shown in their place."""

from html import escape

from django.utils.translation import gettext as _

STYLE = """
@page { size: A4; margin: 18mm 16mm 20mm;
  @bottom-left { content: "%(hash_label)s " "%(hash)s"; font: 7pt monospace; }
  @bottom-right { content: "%(page)s " counter(page) " / " counter(pages); font: 8pt sans-serif; }
}
body { font: 10.5pt/1.4 Georgia, serif; color: #000; max-width: 48rem;
  margin: 0 auto; padding: 1rem; }
h1 { font-size: 15pt; } h2 { font-size: 12pt; margin-top: 1.5rem; }
.meta { font: 9pt sans-serif; }
.hash { font: 8pt monospace; word-break: break-all; }
article { border-top: 1px solid #888; padding: .4rem 0; break-inside: avoid; }
.code { font: bold 9pt sans-serif; border: 1px solid #000; padding: 0 .3rem; }
.withheld { color: #444; font-style: italic; }
.body { white-space: pre-wrap; overflow-wrap: anywhere; }
.edit, .translation, .file { margin-left: 1.5rem; font-size: 9.5pt; }
@media print { body { max-width: none; padding: 0; } }
"""


def _e(value) -> str:
    return escape("" if value is None else str(value))


def render(transcript: dict, custody: dict, bundle_hash: str) -> str:
    style = STYLE % {
        "hash_label": _("Bundle SHA-256").replace('"', ""),
        "hash": bundle_hash,
        "page": _("Page").replace('"', ""),
    }
    room = transcript["room"]
    selection = transcript["selection"]
    items = [(m["seq"], _message(m)) for m in transcript["messages"]]
    items += [(e["seq"], _event(e)) for e in transcript["events"]]
    items += [(w["seq"], _withheld(w)) for w in transcript["withheld"]]
    body = "\n".join(html for _seq, html in sorted(items, key=lambda item: item[0]))
    requested = custody.get("requested_by") or {}
    approved = custody.get("approved_by") or {}
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(_("Case record"))}: {_e(room["title"])}</title>
<style>{style}</style></head>
<body>
<h1>{_e(_("Case record"))}: {_e(room["title"])}</h1>
<p class="meta">{_e(_("Room"))} {_e(room["id"])} · {_e(_("Scope"))}: {_e(selection["scope"])}
{_e(selection.get("tag") or "")} {_e(selection.get("thread") or "")}
· {_e(_("Events"))} {transcript["range"]["first"]}–{transcript["range"]["last"]}
· {_e(_("Times in UTC"))}</p>
<p class="meta">{_e(_("Requested by"))}: {_e(requested.get("name"))}
({_e(requested.get("institution"))}) {_e(custody.get("requested_at"))}
· {_e(_("Approved by"))}: {_e(approved.get("name") or "—")} {_e(custody.get("approved_at") or "")}
· {_e(_("Legal basis"))}: {_e(custody.get("legal_basis"))}
· {_e(_("Case reference"))}: {_e(custody.get("case_reference") or "—")}</p>
<p class="hash">{_e(_("Bundle SHA-256"))}: {bundle_hash}</p>
<p class="meta">{_e(_("Verify the bundle with: python -m messaging.verify BUNDLE"))}</p>
{body}
</body></html>
"""


def _message(message: dict) -> str:
    handling = message["handling"]
    sender = message["sender"] or {}
    parts = [
        f'<article id="seq-{message["seq"]}">',
        f'<p class="meta">#{message["seq"]} · {_e(message["time"])} · {_e(sender.get("name"))}'
        f" ({_e(sender.get('institution'))}) · {_e(message['thread']['title'])}"
        f' <span class="code">{_e(handling["code"])}</span> {_e(handling["note"])}'
        + (f" · {_e(_('Evaluation'))} {_e(message['evaluation'])}" if message["evaluation"] else "")
        + "</p>",
        f'<div class="body">{_e(message["body"])}</div>',
    ]
    for edit in message["edits"]:
        parts.append(
            f'<div class="edit">#{edit["seq"]} {_e(_("Edited"))} {_e(edit["time"])}:'
            f' <span class="body">{_e(edit["body"])}</span></div>'
        )
    for file in message["attachments"]:
        parts.append(
            f'<div class="file">#{file["seq"]} {_e(_("File"))} {_e(file["filename"])}'
            f' ({file["size"]} B) <span class="hash">{file["sha256"]}</span></div>'
        )
    for translation in message["translations"]:
        translator = translation["translator"] or {}
        certified = _("certified") if translation["certified"] else ""
        parts.append(
            f'<div class="translation">{_e(_("Translation"))} {_e(translation["from"])}→'
            f"{_e(translation['to'])} · {_e(translator.get('name'))} {_e(certified)}:"
            f' <span class="body">{_e(translation["text"])}</span></div>'
        )
    parts.append("</article>")
    return "\n".join(parts)


def _event(event: dict) -> str:
    return (
        f'<article id="seq-{event["seq"]}"><p class="meta">#{event["seq"]} · '
        f"{_e(event['time'])} · {_e(event['actor']['name'])} · {_e(event['kind'])}</p></article>"
    )


def _withheld(item: dict) -> str:
    return (
        f'<article id="seq-{item["seq"]}" class="withheld"><p>#{item["seq"]} · '
        f"{_e(_('Withheld'))} ({_e(item['reason'])}) · "
        f'<span class="hash">{item["leaf_hash"]}</span></p></article>'
    )

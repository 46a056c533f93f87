"""HTML from the shipped jinja2 templates (autoescape on), PDF from that HTML with WeasyPrint.

Safety:
* Only templates shipped in the package are rendered; every value is escaped by jinja2 and
  nothing from the data is marked safe (charts escape their own text; see charts.py).
* WeasyPrint gets `AssetFetcher`: it serves `data:` URLs and files under the templates' asset
  folders only, follows no redirects, refuses everything else (raising, so WeasyPrint skips the
  resource) and records every URL it was asked for.
* Stylesheets are `CSS(string=...)` objects, the attachment is built from bytes; no URL derived
  from data is ever passed to `stylesheets=`, `attachments=` or `xmp_metadata=`.
* Text placed in the page margins (scope, run id) goes into CSS strings through `css_string`,
  which hex-escapes everything but letters, digits and spaces.
* Direction embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) are dropped from
  every printed value and margin text: from the inputs, they would print the rest of a line
  or paragraph backwards.

Determinism: the document's dates (HTML meta, attachment dates, `SOURCE_DATE_EPOCH` for the
font subsetter) come from the run's reporting period, the PDF identifier from the run id, the
fonts from the package; two renders of the same run give the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import mimetypes
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from markupsafe import Markup

from berthcheck.report import fmt
from berthcheck.report.fmt import without_direction_controls
from berthcheck.report.shared_libraries import import_weasyprint
from berthcheck.resources import templates_dir

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"
FONTS_STYLESHEET = "fonts.css"
ASSET_DIRS = ("fonts",)
_BLOCK_TAGS = "table|thead|tbody|tfoot|tr|td|th|div|section|p|h1|h2|h3|ul|li|svg|style|head|body|html|meta|title"
_BETWEEN_BLOCKS = re.compile(rf"(?<=>)\s+(?=</?(?:{_BLOCK_TAGS})[\s>/])")


@functools.lru_cache(maxsize=1)
def environment():
    """The jinja2 environment: shipped templates only, autoescape on for everything. One per
    process, so each template is compiled once (about 0.2 CPU s for the report's), not once
    a render; jinja2 still reloads a template whose file changed."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,
        finalize=_printable,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["count"] = _count
    env.filters["identifier"] = _identifier
    return env


def _identifier(value):
    """A parameter's or column's name (`claim_without_uncontrolled_time_uses_allowance`) with a
    line break allowed after each underscore: a narrow cell broke it anywhere, as
    "claim_without_uncontrolled_time_u / ses_allowance" and "shore_power_cap / able". Escaped
    as every value is; None stays None."""
    if not isinstance(value, str):
        return value
    from markupsafe import escape

    return Markup("_<wbr>").join(escape(without_direction_controls(value)).split("_"))


def _count(value):
    """A count as every figure of the report prints one (fmt.integer: `1,889`): the templates'
    tables printed a bare int (`1889`) beside the cover's and summary's `1,889`. Anything but
    an int (a dash, a text) is printed as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return fmt.integer(value)
    return value


def _printable(value):
    """Every value a template prints: text without direction controls (fmt), which would
    otherwise reorder the rest of its line or paragraph, figures included."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return without_direction_controls(value)
    return value


def css_string(text: str) -> str:
    """A CSS string literal holding `text` as plain characters: every character except ASCII
    letters and digits becomes a 6-digit hex escape, so quotes, backslashes, newlines and `;}`
    cannot end the string or the rule. (Spaces are escaped too: CSS swallows one whitespace
    character after a hex escape.)"""
    out = ['"']
    for ch in without_direction_controls(str(text)):
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif ch == "\x00":
            out.append("\\00FFFD")
        else:
            out.append(f"\\{ord(ch):06X}")
    out.append('"')
    return "".join(out)


def page_css(meta: dict) -> str:
    """The running header and footer: period and scope on every page, run id, rule pack
    version and page numbers at the bottom."""
    left = css_string(f"{meta['title']} · {meta['period_title']}")
    scope = css_string(meta["scope_text"])
    footer = css_string(f"Run {meta['run_id']} · {meta['pack_label']} · berthcheck {meta['version']}")
    size = {"letter": "letter", "a4": "A4", "a5": "A5", "legal": "legal"}[
        meta.get("page_size", "letter")]
    return (
        "@page {\n"
        f"  size: {size};\n"
        f"  @top-left {{ content: {left}; }}\n"
        f"  @top-right {{ content: {scope}; }}\n"
        f"  @bottom-left {{ content: {footer}; }}\n"
        '  @bottom-right { content: "Page " counter(page) " / " counter(pages); }\n'
        "}\n"
        f"@page wide {{ size: {size} landscape; }}\n"
    )


class RefusedURL(ValueError):
    """A URL outside the report's own assets; WeasyPrint skips the resource."""


def make_fetcher(roots: list[Path] | None = None):
    """A WeasyPrint `URLFetcher` subclass instance allowing `data:` URLs and regular files
    under `roots` (default: the templates' asset folders), nothing else."""
    import_weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    allowed = [p.resolve() for p in (roots or [templates_dir() / d for d in ASSET_DIRS])]

    class _AssetFetcher(URLFetcher):
        def __init__(self):
            super().__init__(timeout=5, allowed_protocols=("data", "file"),
                             allow_redirects=False, fail_on_errors=False)
            self.requested: list[str] = []
            self.served: list[str] = []
            self.refused: list[str] = []

        def _refuse(self, url: str, why: str):
            self.refused.append(url)
            raise RefusedURL(f"refused {why}: {url[:80]}")

        def fetch(self, url, headers=None):
            url = str(url)
            self.requested.append(url)
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                response = super().fetch(url, headers)
                self.served.append(url)
                return response
            if scheme != "file":
                self._refuse(url, "scheme")
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
                self._refuse(url, "file URL form")
            try:
                path = Path(url2pathname(parts.path)).resolve(strict=True)
            except (OSError, RuntimeError, ValueError):
                self._refuse(url, "missing file")
            if not path.is_file() or not any(path.is_relative_to(root) for root in allowed):
                self._refuse(url, "path outside the report assets")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if path.suffix.lower() in (".ttf", ".otf"):
                mime = "font/ttf" if path.suffix.lower() == ".ttf" else "font/otf"
            self.served.append(url)
            return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                      {"Content-Type": mime}, 200)

    return _AssetFetcher()


def render_html(model: dict, charts: dict, *, for_pdf: bool) -> str:
    """The report as one HTML document (stylesheet inlined for the .html output)."""
    folder = templates_dir()
    css = "" if for_pdf else (folder / STYLESHEET).read_text(encoding="utf-8")
    template = environment().get_template(TEMPLATE)
    html = template.render(m=model, charts=charts, for_pdf=for_pdf, inline_css=css)
    # Indentation between block-level tags is layout work for WeasyPrint and nothing else.
    return _BETWEEN_BLOCKS.sub("", html)


@contextlib.contextmanager
def source_date_epoch(epoch: int) -> Iterator[None]:
    """Set SOURCE_DATE_EPOCH (read by the font subsetter) for the duration of a render."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(epoch))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


# zlib's level for the PDF's streams (its default; pydyf deflates every stream at 9)
STREAM_LEVEL = 6


def deflate_streams(document, pdf) -> None:
    """WeasyPrint's `finisher` (called with the PDF's objects before they are written): each
    stream pydyf would deflate at level 9 when the PDF is written (the pages' content, the
    fonts, the attached results) is deflated here at `STREAM_LEVEL`, from the very bytes pydyf
    would have deflated, so each decodes to what it did (the same pages, text and fonts).
    The attached results CSV is most of a large report's bytes: for a 10 000-visit month
    7.5 MB took 0.63 CPU s at level 9 and 0.18 at level 6 (1.37 against 1.42 MB deflated);
    the sample month's 29 page streams (1.2 MB of drawing) 92 ms against 18 (120 against
    125 kB deflated), paid by every report. Streams pydyf writes itself after this hook (the
    object stream, the cross-reference stream) stay at its level."""
    import pydyf

    as_bytes = getattr(pydyf, "_to_bytes", None)
    for obj in pdf.objects:
        if not (isinstance(obj, pydyf.Stream) and obj.compress):
            continue
        if len(obj.stream) == 1 and isinstance(obj.stream[0], bytes):
            raw = obj.stream[0]
        elif as_bytes is not None:
            # what pydyf's `Stream.data` joins before deflating
            raw = b"\n".join(as_bytes(item) for item in obj.stream)
        else:
            continue  # a pydyf without its joiner: left to pydyf
        obj.stream = [zlib.compress(raw, STREAM_LEVEL)]
        obj.compress = False
        obj.extra["Filter"] = "/FlateDecode"


@dataclass
class RenderedPDF:
    data: bytes
    pages: int
    requested: list[str] = field(default_factory=list)
    served: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def layout(html: str, meta: dict, fetcher=None):
    """WeasyPrint's laid-out document for `html` (pages and their boxes), with the shipped
    stylesheets and the page rules of `meta` (size, running header and footer)."""
    import_weasyprint()
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    folder = templates_dir()
    base_url = folder.resolve().as_uri() + "/"
    fetcher = fetcher or make_fetcher()
    font_config = FontConfiguration()
    stylesheets = [
        CSS(string=(folder / FONTS_STYLESHEET).read_text(encoding="utf-8"), base_url=base_url,
            url_fetcher=fetcher, font_config=font_config),
        CSS(string=(folder / STYLESHEET).read_text(encoding="utf-8"), base_url=base_url,
            url_fetcher=fetcher, font_config=font_config),
        CSS(string=page_css(meta), base_url=base_url, url_fetcher=fetcher,
            font_config=font_config),
    ]
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        font_config=font_config, stylesheets=stylesheets)


def render_pdf(html: str, meta: dict, attachment: tuple[str, bytes, str]) -> RenderedPDF:
    """Lay out `html` and write the PDF with one attachment (name, bytes, description)."""
    import_weasyprint()
    from weasyprint import Attachment

    fetcher = make_fetcher()
    when = dt.datetime.fromtimestamp(meta["epoch"], dt.UTC).replace(tzinfo=None)
    name, payload, description = attachment
    identifier = hashlib.sha256(
        f"berthcheck report {meta['run_id']} {meta['pack_label']}".encode()
    ).hexdigest()[:32].encode()
    with source_date_epoch(meta["epoch"]):
        document = layout(html, meta, fetcher)
        data = document.write_pdf(
            attachments=[Attachment(string=payload, name=name, description=description,
                                    created=when, modified=when, url_fetcher=fetcher)],
            pdf_identifier=identifier,
            finisher=deflate_streams,
        )
    return RenderedPDF(data=data, pages=len(document.pages), requested=list(fetcher.requested),
                       served=list(fetcher.served), refused=list(fetcher.refused))

"""The interactive map of a view as one self-contained HTML file.

The file opens offline on any machine: every script and stylesheet the map links to is
written into the page itself, and the images Leaflet's stylesheet refers to become ``data:``
URIs. The online tile layers stay listed in the layer control but are hidden, so nothing is
requested from the network unless a reader picks one. A heading above the map names the
view, and a footer gives the attribution of everything drawn.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from html.parser import HTMLParser

from atlas import style
from atlas.assets import ASSETS, asset_source, asset_url, inline_asset_text
from atlas.escape import escape_html
from atlas.export.describe import ViewSummary
from atlas.export.static_map import ExportError
from atlas.mapping import build_map
from loaders import AtlasLayers

_SCRIPT_LINK = re.compile(r'<script src="(?P<url>[^"]+)"></script>')
_STYLE_LINK = re.compile(r'<link rel="stylesheet" href="(?P<url>[^"]+)"\s*/?>')
_CSS_URL = re.compile(r"url\((?P<quote>['\"]?)images/(?P<name>[\w.-]+)(?P=quote)\)")
# In a stylesheet, what makes the browser fetch: url(...) and @import "...".
_CSS_FETCH = re.compile(
    r"""(?:url\(\s*["']?|@import\s+["']?)(?P<url>[^"')\s>]+)""",
    re.IGNORECASE,
)
# Element attributes whose value the browser loads on opening the page. A link's ``href``
# (``<a>``, ``<area>``) is only followed when clicked, so it is not among them.
_LOADING_ATTRIBUTES = frozenset(
    {"src", "href", "xlink:href", "srcset", "poster", "data", "background"}
)
_FOLLOWED_ON_CLICK = frozenset({"a", "area"})
_PAGE_CSS = """
<style>
html, body { height: 100%%; margin: 0; }
body { display: flex; flex-direction: column; font-family: system-ui, "DejaVu Sans", sans-serif; }
.atlas-export-head { padding: 8px 14px 6px; border-bottom: 1px solid #ccc; }
.atlas-export-head h1 { margin: 0; font-size: 20px; }
.atlas-export-head p { margin: 2px 0 0; font-size: 13px; color: #444; }
.atlas-export-foot { padding: 4px 14px 6px; font-size: 11px; color: #555;
  border-top: 1px solid #ccc; }
.folium-map { flex: 1 1 auto; height: auto !important; min-height: 320px; }
.leaflet-container { background: %(background)s; }
/* The footer gives the full attribution of this view; the map's own would repeat it. */
.leaflet-control-attribution { display: none; }
</style>
"""
# Source-map comments would make a browser's developer tools fetch a file we do not ship.
_SOURCE_MAP = re.compile(
    r"^\s*(?://[#@] sourceMappingURL=.*|/\*[#@] sourceMappingURL=.*?\*/)\s*$", re.M
)


def _local_assets() -> dict[str, str]:
    """URL the map links to -> asset name, for every script and stylesheet we ship."""
    return {asset_url(a.name): a.name for a in ASSETS if a.kind in ("js", "css")}


def _leaflet_images() -> dict[str, str]:
    """Leaflet image file name -> ``data:`` URI."""
    folder = next(asset_source(a) for a in ASSETS if a.name == "leaflet_images")
    images = {}
    for path in sorted(folder.iterdir()):
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        images[path.name] = f"data:{media};base64,{encoded}"
    return images


def _inline_css(text: str, images: dict[str, str]) -> str:
    def image(match: re.Match[str]) -> str:
        uri = images.get(match["name"])
        # An image we do not have is dropped rather than fetched.
        return f'url("{uri}")' if uri else "none"

    return _CSS_URL.sub(image, _SOURCE_MAP.sub("", text)).replace("</style", "<\\/style")


def inline_assets(html: str) -> str:
    """Replace every linked script and stylesheet of ``html`` by its text.

    Raises
    ------
    ExportError
        When the page links to a script or stylesheet the atlas does not ship.
    """
    known = _local_assets()
    images = _leaflet_images()

    def script(match: re.Match[str]) -> str:
        name = known.get(match["url"])
        if name is None:
            raise ExportError(f"the map links to a script the atlas does not ship: {match['url']}")
        # "</script" inside the text would end the element early.
        text = _SOURCE_MAP.sub("", inline_asset_text(name)).replace("</script", "<\\/script")
        return f"<script>/* {name} */\n{text}\n</script>"

    def stylesheet(match: re.Match[str]) -> str:
        name = known.get(match["url"])
        if name is None:
            raise ExportError(
                f"the map links to a stylesheet the atlas does not ship: {match['url']}"
            )
        return f"<style>/* {name} */\n{_inline_css(inline_asset_text(name), images)}\n</style>"

    return _STYLE_LINK.sub(stylesheet, _SCRIPT_LINK.sub(script, html))


def _is_external(url: str) -> bool:
    return not url.lower().startswith(("data:", "#"))


def _css_urls(css: str) -> list[str]:
    return [m["url"] for m in _CSS_FETCH.finditer(css) if _is_external(m["url"])]


def _attribute_urls(name: str, value: str) -> list[str]:
    # A srcset lists "url width" candidates separated by commas; other attributes hold one URL.
    parts = value.split(",") if name == "srcset" else [value]
    urls = [part.split()[0] for part in parts if part.strip()]
    return [url for url in urls if _is_external(url)]


class _LoadFinder(HTMLParser):
    """Collects what a page loads: its elements' attributes and its stylesheets' urls.

    The page is parsed as a browser reads it, so text (escaped data such as a description
    that mentions ``<img src=x>``) is never taken for an element.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None:
                continue
            if name == "style":
                self.urls.extend(_css_urls(value))
            elif name in _LOADING_ATTRIBUTES and tag not in _FOLLOWED_ON_CLICK:
                self.urls.extend(_attribute_urls(name, value))

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        # Script text is not read: URLs there, such as the hidden online tile layers, are
        # fetched only when a reader switches such a layer on.
        if self._in_style:
            self.urls.extend(_css_urls(data))


def fetched_urls(html: str) -> list[str]:
    """URLs a browser would fetch on opening ``html``.

    These are the values of loading attributes (``src``, a stylesheet link's ``href``, …) of
    the page's own elements, and the ``url()`` and ``@import`` of its stylesheets and
    ``style`` attributes; ``data:`` URIs and ``#`` fragments load nothing from outside.
    Escaped text and the insides of scripts are not counted.
    """
    finder = _LoadFinder()
    finder.feed(html)
    finder.close()
    return finder.urls


def render_html(layers: AtlasLayers, summary: ViewSummary) -> bytes:
    """The interactive map of a view as one HTML file that needs no network.

    Parameters
    ----------
    layers
        Every layer.
    summary
        The view (:func:`atlas.export.describe.summarise`).

    Raises
    ------
    ExportError
        When a linked asset is not shipped, or the page would still fetch something.
    """
    fmap = build_map(layers, summary.view)
    html = inline_assets(fmap.get_root().render())
    title = f"<title>{escape_html(summary.title)}: {escape_html(summary.date_text)}</title>"
    # After the inlined stylesheets, so these rules win over Leaflet's defaults.
    page_css = _PAGE_CSS % {"background": style.BASEMAP_BACKGROUND}
    header = (
        '<header class="atlas-export-head">'
        f"<h1>{escape_html(summary.title)}</h1>"
        f"<p>{escape_html(summary.date_text)} · {escape_html(summary.filters_text)}</p>"
        "</header>"
    )
    footer = (
        '<footer class="atlas-export-foot">Sources: '
        + escape_html(" · ".join(summary.map_credits()))
        + f". View: {escape_html(summary.view.to_query_string() or '(the default view)')}"
        "</footer>"
    )
    html = html.replace("<head>", "<head>\n" + title, 1).replace("</head>", page_css + "</head>", 1)
    html = re.sub(r"<body>", lambda _: "<body>\n" + header, html, count=1)
    html = html.replace("</body>", footer + "\n</body>", 1)
    leftover = fetched_urls(html)
    if leftover:
        raise ExportError(f"the HTML would still fetch {', '.join(sorted(set(leftover)))}")
    return html.encode("utf-8")

"""``python -m atlas export`` and ``python -m atlas pack``: files of views, for scheduled runs.

Both take the query string of a page URL (``--view "from=2015-01-01&region=ML-7"``), so a
link copied from the app becomes a file. A query string with any unusable parameter is refused
with one line on stderr and exit code 2: a scheduled job must not quietly export another view.
A query string may carry ``title=...`` to set the heading of that view's page.

Every file is written atomically (temporary file, then rename), so a job killed half-way
leaves the previous file in place. Only a regular file is replaced: ``--out`` at a device, a
named pipe or a folder is refused with exit code 2 before anything is drawn.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from atlas.export.kinds import FORMATS, SIZES
from atlas.view import ParamError, ViewState, parse_query_string

EXIT_BAD_INPUT = 2
EXIT_WRITE_FAILED = 1


class BadViewError(ValueError):
    """A ``--view`` query string with parameters that cannot be used."""


def text_argument(value: str) -> str:
    """A command-line argument that must be text: refused when its bytes are not UTF-8.

    The interpreter keeps bytes it cannot decode as lone surrogates, which no file format
    can store; refusing them here gives one clear message instead of a failure while writing.
    Use as an ``argparse`` ``type``.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise argparse.ArgumentTypeError(f"not valid UTF-8 text: '{shown}'") from None
    return value


def shown_path(path: Path) -> str:
    """``path`` as printable text, even when its name is not valid UTF-8."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _describe(error: ParamError) -> str:
    return f"{error.name}={error.value!r}: {error.reason}"


def read_view(query: str, label: str = "--view") -> tuple[ViewState, str | None]:
    """The view of a query string and the ``title`` it carries, if any.

    Parameters
    ----------
    query
        A page URL's query string, with or without the leading ``?``.
    label
        How to name the argument in the error message.

    Raises
    ------
    BadViewError
        When any parameter is unusable, naming every one of them on one line.
    """
    parsed = parse_query_string(query)
    if parsed.errors:
        problems = "; ".join(_describe(e) for e in parsed.errors)
        raise BadViewError(f"{label} {query!r} has unusable parameters: {problems}")
    titles = parse_qs(query.lstrip("?")).get("title", [])
    return parsed.view, (titles[-1].strip() or None) if titles else None


def add_export_commands(commands: Any) -> None:
    """Add ``export`` and ``pack`` to the sub-command parsers of ``python -m atlas``."""
    export = commands.add_parser(
        "export",
        help="write one view as png, pdf, html, csv or geojson",
        description="Write one view to a file. Data exports withhold rows whose licence forbids "
        "redistribution unless ATLAS_ALLOW_RAW_EXPORT=1; a CSV gets a README beside it.",
    )
    export.add_argument(
        "--view",
        required=True,
        type=text_argument,
        metavar="QUERYSTRING",
        help="the query string of a page URL",
    )
    export.add_argument("--format", required=True, choices=FORMATS)
    export.add_argument("--out", required=True, type=Path, metavar="FILE")
    export.add_argument(
        "--size",
        choices=SIZES,
        default=None,
        help="png and pdf only: slide (1920×1080 px; png default) or a4 (landscape, 200 dpi; "
        "pdf default)",
    )
    export.add_argument("--title", type=text_argument, default=None, help="heading of the page")
    export.set_defaults(run=run_export)

    pack = commands.add_parser(
        "pack",
        help="write a briefing pack: one PDF with a page per view",
        description="One PDF: a cover with today's date, a table of headline figures, and a "
        "page per view.",
    )
    pack.add_argument(
        "--view",
        required=True,
        action="append",
        type=text_argument,
        metavar="QUERYSTRING",
        help="a page URL's query string; repeat for each view, in order",
    )
    pack.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    pack.add_argument(
        "--title", type=text_argument, default="Briefing pack", help="title on the cover"
    )
    pack.set_defaults(run=run_pack)


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def readme_path(out: Path) -> Path:
    """Where the README of a CSV export goes: beside it, ``incidents.csv.README.txt``."""
    return out.with_name(out.name + ".README.txt")


def _refused_destination(path: Path) -> str | None:
    """Why writing to ``path`` would be refused, if it would; checked before any work."""
    from atlas.export.files import NotAFileError, checked_destination

    try:
        checked_destination(path)
    except NotAFileError as exc:
        return f"--out {exc}"
    except OSError:
        pass  # unreadable: the write itself reports it, as a failed write
    return None


def run_export(args: argparse.Namespace) -> int:
    """Run ``python -m atlas export``; return the exit code."""
    from atlas.access import cli_user, require, visible_layers
    from atlas.audit import record
    from atlas.export.files import NotAFileError, write_atomically
    from atlas.export.formats import export_view
    from atlas.export.static_map import ExportError
    from atlas.store import EmbeddedStore

    try:
        view, query_title = read_view(args.view)
    except BadViewError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    if args.size is not None and args.format not in ("png", "pdf"):
        return _fail(f"--size applies to png and pdf, not to {args.format}", EXIT_BAD_INPUT)
    # The README's name is made from the file's, so the file is checked first.
    problem = _refused_destination(args.out) or (
        _refused_destination(readme_path(args.out)) if args.format == "csv" else None
    )
    if problem:
        return _fail(problem, EXIT_BAD_INPUT)
    user = cli_user()
    what = f"{args.format} of ?{view.to_query_string()} to {shown_path(args.out)}"
    require(user, "export", what=what)
    layers = visible_layers(EmbeddedStore(args.geodata).layers(), user)
    try:
        result = export_view(
            layers, view, args.format, size=args.size, title=args.title or query_title
        )
    except ExportError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    try:
        write_atomically(args.out, result.content)
        if args.format == "csv":
            write_atomically(readme_path(args.out), result.readme.encode("utf-8"))
    except NotAFileError as exc:
        return _fail(f"--out {exc}", EXIT_BAD_INPUT)
    except OSError as exc:
        return _fail(
            f"cannot write {shown_path(args.out)}: {exc.strerror or exc}", EXIT_WRITE_FAILED
        )
    record(user, "export", what)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"wrote {shown_path(args.out)} ({len(result.content):,} bytes)")
    return 0


def run_pack(args: argparse.Namespace) -> int:
    """Run ``python -m atlas pack``; return the exit code."""
    views: list[tuple[ViewState, str | None]] = []
    for number, query in enumerate(args.view, start=1):
        try:
            views.append(read_view(query, f"--view #{number}"))
        except BadViewError as exc:
            return _fail(str(exc), EXIT_BAD_INPUT)
    return write_pack(views, args.title, args.out, args.geodata)


def write_pack(
    views: Sequence[tuple[ViewState, str | None]], title: str, out: Path, geodata: Path | None
) -> int:
    """Draw a briefing pack of ``views`` (each with its page title) to ``out``; exit code.

    The command line's user must be allowed to export; the views show what they may see.
    """
    from atlas.access import cli_user, require, visible_layers
    from atlas.audit import record
    from atlas.export.describe import summarise
    from atlas.export.files import NotAFileError, write_atomically
    from atlas.export.pack import briefing_pack
    from atlas.store import EmbeddedStore

    problem = _refused_destination(out)
    if problem:
        return _fail(problem, EXIT_BAD_INPUT)
    user = cli_user()
    what = f"pack of {len(views)} views to {shown_path(out)}"
    require(user, "export", what=what)
    layers = visible_layers(EmbeddedStore(geodata).layers(), user)
    summaries = [
        summarise(layers, view, view_title or f"View {number}", rows=False)
        for number, (view, view_title) in enumerate(views, start=1)
    ]
    content = briefing_pack(layers, summaries, title=title)
    try:
        write_atomically(out, content)
    except NotAFileError as exc:
        return _fail(f"--out {exc}", EXIT_BAD_INPUT)
    except OSError as exc:
        return _fail(f"cannot write {shown_path(out)}: {exc.strerror or exc}", EXIT_WRITE_FAILED)
    record(user, "export", what)
    print(f"wrote {shown_path(out)} ({len(summaries)} views, {len(content):,} bytes)")
    return 0

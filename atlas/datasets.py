"""Imported datasets on disk: GeoParquet files, a manifest and a history, written atomically.

Layout of the data directory (``ATLAS_DATA_DIR``, default ``data/`` in the project)::

    manifest.json            every dataset: name, format, rows, dates, licence, its file
    history.json             every version kept: dataset, file, when it became current, why
    datasets/<name>-<token>.parquet
    .lock                    held while an import or removal writes

A dataset becomes visible only when ``manifest.json`` names it, and the manifest is replaced in
one ``os.replace`` after the data file is complete on disk (temp file, fsync, rename, fsync of
the directory). Every import, re-import, replace and removal is also a *version* in
``history.json``: the history is replaced first, and its entries are numbered; the manifest
records the number of the last entry it commits, and readers ignore any entry after it. A
process killed at any point therefore leaves either the old manifest, old history and old
files, or the new ones; files neither names are swept by the next write. At most
:data:`HISTORY_VERSIONS` versions are kept per dataset; the history says from when on a
dataset's versions are known once older ones were swept. Writers are serialised by a file
lock; readers take no lock and retry once if a file they were about to read was swept.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
from filelock import FileLock, Timeout

from atlas.paths import REPO_ROOT, geodata_dir
from atlas.spreadsheet import safe_csv
from loaders import LAYER_FILES, AtlasLayers, LayerError
from loaders.curated import CURATED_DATASET, CURATED_LICENCE
from loaders.imports import (
    DEPLOYMENTS,
    INCIDENTS,
    ImportOptions,
    ImportReport,
    Reference,
    read_import,
)
from loaders.reference import load_countries, load_regions

if TYPE_CHECKING:
    from atlas.filters import ImportedIncidents

MANIFEST = "manifest.json"
HISTORY = "history.json"
LOCK = ".lock"
DATA_SUBDIR = "datasets"
MANIFEST_VERSION = 1
HISTORY_FORMAT = 1
HISTORY_VERSIONS = 20
"""Versions kept per dataset (a removal counts as one); older ones and their files are swept."""
_HISTORY_UNREADABLE = "import history (remove the file to start the history afresh)"
LOCK_TIMEOUT_S = 120.0
PAUSE_ENV = "ATLAS_IMPORT_PAUSE_AT"
"""Test hook: the name of a write stage at which an import stops and waits to be killed."""

Progress = Callable[[float, str], object]


def data_dir() -> Path:
    """The data directory: ``ATLAS_DATA_DIR`` when set, else ``data/`` in the project."""
    override = os.environ.get("ATLAS_DATA_DIR")
    return Path(override) if override else REPO_ROOT / "data"


@dataclass(frozen=True)
class DatasetInfo:
    """One stored dataset as the manifest records it."""

    name: str
    format: str
    kind: str
    file: str
    rows: int
    date_min: str | None
    date_max: str | None
    licence: str
    imported_at: str
    source_file: str
    encoding: str | None = None
    access_date: str | None = None

    def summary(self) -> dict[str, Any]:
        """The fields ``python -m atlas datasets`` lists."""
        return {
            "name": self.name,
            "format": self.format,
            "kind": self.kind,
            "rows": self.rows,
            "incidents": self.rows if self.kind == INCIDENTS else 0,
            "date_min": self.date_min,
            "date_max": self.date_max,
            "licence": self.licence,
            "imported_at": self.imported_at,
        }


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a moment without a time zone is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class HistoryEntry:
    """One version of a dataset, current from ``became_current`` until the next one.

    ``action`` is what made it: ``import``, ``reimport``, ``replace`` or ``remove``. A removal
    is a version without a ``file`` and with no rows. ``seq`` numbers the entries of the
    whole store in the order they were written.
    """

    seq: int
    dataset: str
    kind: str
    file: str | None
    became_current: str
    action: str
    rows: int

    @property
    def moment(self) -> datetime:
        """When this version became current (UTC)."""
        return as_utc(datetime.fromisoformat(self.became_current))


class ForgottenError(LookupError):
    """A moment older than the oldest version of a dataset the history still keeps.

    ``oldest`` is that oldest version, and ``kept_since`` the moment from which on the
    dataset's versions are known.
    """

    def __init__(self, dataset: str, kept_since: datetime, oldest: HistoryEntry) -> None:
        super().__init__(
            f"the history of dataset {dataset!r} is kept from {kept_since.isoformat()} on only"
        )
        self.dataset, self.kept_since, self.oldest = dataset, kept_since, oldest


@dataclass(frozen=True)
class StoreHistory:
    """Every version the store keeps, oldest first.

    ``kept_since`` names the datasets whose older versions were swept (or were never
    recorded), with the moment (UTC ISO) from which on their versions are known.
    """

    entries: tuple[HistoryEntry, ...] = ()
    kept_since: Mapping[str, str] = field(default_factory=dict)

    def versions(self, dataset: str) -> list[HistoryEntry]:
        """The kept versions of one dataset, oldest first (empty for an unknown name)."""
        return [e for e in self.entries if e.dataset == dataset]

    def datasets(self) -> list[str]:
        """Every dataset with a kept version, removed ones included, by name."""
        return sorted({e.dataset for e in self.entries})

    def version_at(self, dataset: str, when: datetime) -> HistoryEntry | None:
        """The version of ``dataset`` current at ``when`` (UTC when it has no time zone).

        Returns None when the dataset did not exist yet; a removal entry when it had been
        removed.

        Raises
        ------
        ForgottenError
            When ``when`` is older than the oldest version kept of a dataset whose older
            versions were swept: what was current then is no longer known.
        """
        when = as_utc(when)
        versions = self.versions(dataset)
        kept = self.kept_since.get(dataset)
        if kept is not None and versions and when < as_utc(datetime.fromisoformat(kept)):
            raise ForgottenError(dataset, as_utc(datetime.fromisoformat(kept)), versions[0])
        current = None
        for entry in versions:
            if entry.moment <= when:
                current = entry
        return current

    def files(self) -> set[str]:
        """The data files the kept versions name."""
        return {e.file for e in self.entries if e.file}

    def appended(self, entry: HistoryEntry, keep: int) -> StoreHistory:
        """This history with ``entry`` added and at most ``keep`` versions of its dataset."""
        entries = [*self.entries, entry]
        positions = [n for n, e in enumerate(entries) if e.dataset == entry.dataset]
        if len(positions) <= keep:
            return StoreHistory(tuple(entries), self.kept_since)
        dropped = set(positions[: len(positions) - keep])
        oldest_kept = entries[positions[len(positions) - keep]]
        return StoreHistory(
            tuple(e for n, e in enumerate(entries) if n not in dropped),
            {**self.kept_since, entry.dataset: oldest_kept.became_current},
        )


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _pause_point(stage: str) -> None:
    """Stop here, forever, when the test hook names this stage (the test then kills us)."""
    if os.environ.get(PAUSE_ENV) == stage:
        print(f"paused at {stage}", flush=True)
        while True:  # pragma: no cover - ended by SIGKILL
            signal.pause()


def _write_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """Write ``target`` through a temp file in the same folder: fsync, replace, fsync dir."""
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    os.close(handle)
    temp = Path(temp_name)
    temp.chmod(0o644)  # mkstemp makes it private; the app may run as another user
    try:
        write(temp)
        with temp.open("rb+") as written:
            os.fsync(written.fileno())
        os.replace(temp, target)
        _fsync_dir(target.parent)
    finally:
        temp.unlink(missing_ok=True)


@dataclass(frozen=True)
class _Counts:
    added: int
    updated: int
    unchanged: int
    removed: int = 0


@dataclass(frozen=True)
class Updates:
    """How a re-import's rows relate to a stored dataset's, matched by ``id``.

    ``known``: the new row's id is stored; ``same``: stored with the same ``source_version``
    (unchanged). New rows that are not ``same`` are written; stored rows whose id a written
    row carries are replaced.
    """

    known: pd.Series
    same: pd.Series
    missing: int = 0
    """Stored rows whose id the new file does not have (a replace removes them)."""

    @classmethod
    def between(cls, old: pd.DataFrame | None, new: pd.DataFrame) -> Updates:
        """Compare ``new`` with ``old`` (None or empty: every row is new)."""
        if old is None or old.empty:
            nothing = pd.Series(False, index=new.index)
            return cls(nothing, nothing)
        versions = old.set_index("id")["source_version"]
        known = new["id"].isin(versions.index)
        same = known & (new["id"].map(versions) == new["source_version"])
        return cls(known, same, int((~old["id"].isin(new["id"])).sum()))

    def counts(self, *, replace: bool) -> _Counts:
        """Rows added, updated, unchanged, and removed (by a replace only)."""
        changed = self.known & ~self.same
        removed = self.missing if replace else 0
        return _Counts(int((~self.known).sum()), int(changed.sum()), int(self.same.sum()), removed)


def merge_updates(
    old: gpd.GeoDataFrame | None, new: gpd.GeoDataFrame, *, replace: bool = False
) -> tuple[gpd.GeoDataFrame, _Counts]:
    """Merge a re-import into a stored dataset by ``id`` and ``source_version``.

    New ids are added, ids whose version changed replace the stored row, the rest are left as
    they were. Stored rows the new file does not mention are kept: an export often covers only
    a period. With ``replace`` the result is the new rows alone (those rows are dropped); the
    counts are the same.
    """
    updates = Updates.between(old, new)
    counts = updates.counts(replace=replace)
    if old is None or old.empty or replace:
        return new, counts
    changed = updates.known & ~updates.same
    merged = pd.concat(
        [old.loc[~old["id"].isin(new.loc[changed, "id"])], new.loc[~updates.same]],
        ignore_index=True,
    )
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=new.crs), counts


def dataset_info(
    report: ImportReport, rows: pd.DataFrame, options: ImportOptions, file: str
) -> DatasetInfo:
    """What the store records of a dataset whose current rows are ``rows``."""
    dates = rows["start_date" if report.kind == DEPLOYMENTS else "event_date"]
    return DatasetInfo(
        name=report.dataset,
        format=report.format,
        kind=report.kind,
        file=file,
        rows=len(rows),
        date_min=dates.min().date().isoformat(),
        date_max=dates.max().date().isoformat(),
        licence=str(rows["licence"].iloc[-1]),
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        source_file=report.file,
        encoding=report.encoding,
        access_date=options.access_date.isoformat() if options.access_date else None,
    )


def check_kind(stored: DatasetInfo | None, report: ImportReport) -> None:
    """Refuse an import into a dataset that holds the other kind of rows.

    Raises
    ------
    loaders.errors.LayerError
        Naming the dataset, both kinds and what to do.
    """
    if stored is not None and stored.kind != report.kind:
        raise LayerError.single(
            report.file,
            f"dataset {report.dataset!r} holds {stored.kind}, not {report.kind}: "
            "choose another dataset name",
        )


def version_action(stored_before: bool, *, replace: bool) -> str:
    """The history's name for a write: ``import``, ``reimport`` or ``replace``."""
    if not stored_before:
        return "import"
    return "replace" if replace else "reimport"


@dataclass(frozen=True)
class _State:
    """What the store holds, as one writer or reader sees it."""

    datasets: dict[str, DatasetInfo]
    history: StoreHistory
    committed: int
    """The number of the last history entry the manifest commits."""

    def files(self) -> set[str]:
        return {d.file for d in self.datasets.values()} | self.history.files()


class DatasetStore:
    """The imported datasets under one data directory.

    Parameters
    ----------
    folder
        The data directory; :func:`data_dir` when None.
    geodata
        The folder of the reference layers (regions and countries for imports).
    keep_versions
        How many versions of each dataset the history keeps (at least 1).
    """

    def __init__(
        self,
        folder: Path | None = None,
        geodata: Path | None = None,
        *,
        keep_versions: int = HISTORY_VERSIONS,
    ) -> None:
        if keep_versions < 1:
            raise ValueError(f"keep_versions must be at least 1, not {keep_versions}")
        self.folder = folder or data_dir()
        self.geodata = geodata or geodata_dir()
        self.keep_versions = keep_versions

    # -- reading -------------------------------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        """Where the manifest lives."""
        return self.folder / MANIFEST

    @property
    def history_path(self) -> Path:
        """Where the history of versions lives."""
        return self.folder / HISTORY

    def _not_a_folder(self) -> LayerError:
        return LayerError.single(str(self.folder), "the data directory is not a folder")

    def _read_json(self, path: Path, what: str) -> dict[str, Any]:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except NotADirectoryError:
            raise self._not_a_folder() from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise LayerError.single(str(path), f"unreadable {what}: {exc}") from None
        if not isinstance(raw, dict):
            raise LayerError.single(str(path), f"unreadable {what}: not a JSON object")
        return raw

    def _load_manifest(self) -> tuple[dict[str, DatasetInfo], int]:
        """The datasets the manifest names, and the last history entry it commits."""
        raw = self._read_json(self.manifest_path, "manifest")
        datasets = {name: DatasetInfo(**entry) for name, entry in raw.get("datasets", {}).items()}
        return datasets, int(raw.get("history", 0))

    def _read_manifest(self) -> dict[str, DatasetInfo]:
        return self._load_manifest()[0]

    def _read_state(self) -> _State:
        # The manifest first: entries it commits are in every later history file as well
        # (unless swept as too old), so a writer running between the two reads is harmless.
        datasets, committed = self._load_manifest()
        raw = self._read_json(self.history_path, _HISTORY_UNREADABLE)
        try:
            entries = [HistoryEntry(**entry) for entry in raw.get("entries", [])]
            kept_since = {str(k): str(v) for k, v in raw.get("kept_since", {}).items()}
        except (TypeError, AttributeError) as exc:
            raise LayerError.single(
                str(self.history_path), f"unreadable {_HISTORY_UNREADABLE}: {exc}"
            ) from None
        # Entries after the committed one were written by a writer killed before its manifest.
        entries = [e for e in entries if e.seq <= committed]
        latest = {e.dataset: e.file for e in entries}
        for info in datasets.values():
            if latest.get(info.name) != info.file:
                # Stored before the history was kept: current since its import, and nothing
                # is known of what came before.
                entries.append(
                    HistoryEntry(
                        committed,
                        info.name,
                        info.kind,
                        info.file,
                        info.imported_at,
                        "import",
                        info.rows,
                    )
                )
                kept_since[info.name] = info.imported_at
        return _State(datasets, StoreHistory(tuple(entries), kept_since), committed)

    def history(self) -> StoreHistory:
        """Every version the store keeps, as of its last completed write.

        Raises
        ------
        loaders.errors.LayerError
            When the manifest or the history cannot be read (naming the file).
        """
        return self._read_state().history

    def read_version(self, entry: HistoryEntry) -> gpd.GeoDataFrame:
        """The rows of one version (none for a removal).

        Raises
        ------
        FileNotFoundError
            When its file was swept since the history was read (read the history again).
        loaders.errors.LayerError
            When its file is unreadable.
        """
        if entry.file is None:
            return gpd.GeoDataFrame({"id": pd.Series([], dtype=object)}, geometry=[])
        path = self.folder / DATA_SUBDIR / entry.file
        try:
            return gpd.read_parquet(path)
        except FileNotFoundError:
            raise
        except (OSError, ValueError) as exc:
            raise LayerError.single(
                str(path), f"dataset {entry.dataset!r}: a version's file is unreadable ({exc})"
            ) from None

    def datasets(self) -> list[DatasetInfo]:
        """Every stored dataset, by name."""
        return sorted(self._read_manifest().values(), key=lambda d: d.name)

    def where(self) -> str:
        """Where the datasets are kept, for an administrator."""
        return f"the data directory {self.folder}"

    def imported_incidents(self, version: str = "") -> ImportedIncidents | None:
        """A handle views ask for imported incidents, when the store keeps them out of the
        process; None when they are loaded with the other layers (this store).

        ``version`` names the layers the handle goes with (the store's fingerprint): answers
        kept for one are never given for another.
        """
        return None

    def fingerprint(self) -> str:
        """Changes whenever the manifest does (every import and removal rewrites it)."""
        try:
            content = self.manifest_path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):  # reading the layers says which
            content = b""
        return hashlib.sha256(str(self.folder.resolve()).encode() + b"\0" + content).hexdigest()[
            :16
        ]

    def read(self, name: str) -> gpd.GeoDataFrame:
        """The rows of one dataset.

        Raises
        ------
        KeyError
            When no dataset has that name.
        loaders.errors.LayerError
            When its file is missing or unreadable (remove the dataset and import it again).
        """
        for attempt in range(3):
            info = self._read_manifest().get(name)
            if info is None:
                raise KeyError(name)
            path = self.folder / DATA_SUBDIR / info.file
            try:
                return gpd.read_parquet(path)
            except FileNotFoundError:
                if attempt < 2:
                    time.sleep(0.05)  # a writer swapped the file between our two reads
                    continue
                reason = "its file is missing"
            except (OSError, ValueError) as exc:
                reason = f"its file is unreadable ({exc})"
            raise LayerError.single(
                str(path), f"dataset {name!r}: {reason}; remove it and import it again"
            )
        raise AssertionError("unreachable")  # pragma: no cover

    def frames(self, kind: str) -> list[gpd.GeoDataFrame]:
        """The rows of every dataset of one kind (incidents or deployments)."""
        return [self.read(d.name) for d in self.datasets() if d.kind == kind]

    def attributions(self) -> list[str]:
        """The licence and attribution line of every stored dataset, each once.

        Never raises: the footer calls it on every page, and a broken manifest is reported
        where the data is loaded.
        """
        try:
            return list(dict.fromkeys(d.licence for d in self.datasets()))
        except LayerError:
            return []

    # -- writing -------------------------------------------------------------------------

    @contextmanager
    def _locked(self, wait: float = LOCK_TIMEOUT_S) -> Iterator[None]:
        if self.folder.exists() and not self.folder.is_dir():
            raise self._not_a_folder()
        try:
            (self.folder / DATA_SUBDIR).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LayerError.single(
                str(self.folder), f"cannot create the data directory: {exc.strerror or exc}"
            ) from None
        try:
            with FileLock(self.folder / LOCK, timeout=wait):
                self._sweep()
                yield
        except Timeout:
            raise LayerError.single(
                str(self.folder),
                "an import is writing to this data now; try again when it has finished",
            ) from None

    def _sweep(self) -> None:
        """Delete data files neither the manifest nor the history names, and temp files.

        They are left by an interrupted write, or are versions too old to keep.
        """
        named = self._read_state().files()
        for path in (self.folder / DATA_SUBDIR).iterdir():
            if path.name not in named:
                path.unlink(missing_ok=True)
        for name in (MANIFEST, HISTORY):
            for path in self.folder.glob(f".{name}.*.tmp"):
                path.unlink(missing_ok=True)

    def _commit(
        self,
        state: _State,
        datasets: dict[str, DatasetInfo],
        *,
        dataset: str,
        kind: str,
        file: str | None,
        action: str,
        rows: int,
    ) -> None:
        """Make ``datasets`` current, recording the version of ``dataset`` it brings.

        The history is written first; the manifest then commits its new entry. Files no
        longer named (too old to keep) are swept last.
        """
        entry = HistoryEntry(
            seq=state.committed + 1,
            dataset=dataset,
            kind=kind,
            file=file,
            became_current=datetime.now(UTC).isoformat(),
            action=action,
            rows=rows,
        )
        history = state.history.appended(entry, self.keep_versions)
        history_body = {
            "version": HISTORY_FORMAT,
            "entries": [asdict(e) for e in history.entries],
            "kept_since": dict(sorted(history.kept_since.items())),
        }
        self._write_json(self.history_path, history_body)
        _pause_point("history-written")
        self._write_json(
            self.manifest_path,
            {
                "version": MANIFEST_VERSION,
                "history": entry.seq,
                "datasets": {name: asdict(info) for name, info in sorted(datasets.items())},
            },
        )
        _pause_point("manifest-written")
        self._sweep()

    @staticmethod
    def _write_json(target: Path, body: dict[str, Any]) -> None:
        text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
        _write_atomically(target, lambda p: p.write_text(text, encoding="utf-8"))

    def reference(self) -> Reference:
        """Regions and countries from the geodata folder, for placing imported rows."""
        return Reference(
            regions=load_regions(self.geodata / LAYER_FILES["regions"]),
            countries=load_countries(self.geodata / LAYER_FILES["countries"]),
        )

    def import_file(
        self,
        path: Path,
        options: ImportOptions | None = None,
        *,
        name: str | None = None,
        progress: Progress | None = None,
        replace: bool = False,
    ) -> ImportReport:
        """Read, check and store one file; a dataset of the same name is updated in place.

        The dataset's previous version stays in the history.

        Parameters
        ----------
        path
            The file (its extension is never trusted).
        options
            See :class:`loaders.imports.ImportOptions`.
        name
            The file's name as the user knows it (an upload's original name).
        progress
            Called with a fraction done and a message.
        replace
            Make the dataset exactly the file's rows: stored rows the file does not have are
            dropped (a re-import otherwise keeps them). Callers check the ``replace_dataset``
            right first.

        Returns
        -------
        loaders.imports.ImportReport
            With ``added``, ``updated`` and ``unchanged`` filled in and ``stored`` True.

        Raises
        ------
        loaders.errors.LayerError
            When nothing could be stored (the message says why).
        """
        options = options or ImportOptions()
        options = dataclasses.replace(options, access_date=options.access_date or date.today())
        report_progress = progress or (lambda fraction, message: None)
        result = read_import(path, self.reference(), options, name=name, progress=progress)
        report = result.report
        report_progress(0.8, "Storing")
        counts, reimport = self._store(result.frame, report, options, replace=replace)
        report_progress(1.0, "Done")
        return dataclasses.replace(
            report,
            added=counts.added,
            updated=counts.updated,
            unchanged=counts.unchanged,
            removed=counts.removed,
            stored=True,
            reimport=reimport,
        )

    def _store(
        self,
        frame: gpd.GeoDataFrame,
        report: ImportReport,
        options: ImportOptions,
        *,
        replace: bool,
    ) -> tuple[_Counts, bool]:
        """Store an import's checked rows as the dataset's new version, all or nothing.

        Returns the counts and whether the dataset was stored before (a re-import).
        """
        with self._locked():
            state = self._read_state()
            current = dict(state.datasets)
            previous = current.get(report.dataset)
            check_kind(previous, report)
            old = self.read(report.dataset) if previous is not None else None
            merged, counts = merge_updates(old, frame, replace=replace)
            file_name = f"{report.dataset}-{secrets.token_hex(6)}.parquet"
            target = self.folder / DATA_SUBDIR / file_name
            _write_atomically(target, lambda p: merged.to_parquet(p, index=False))
            _pause_point("data-written")
            current[report.dataset] = dataset_info(report, merged, options, file_name)
            action = version_action(previous is not None, replace=replace)
            self._commit(
                state,
                current,
                dataset=report.dataset,
                kind=report.kind,
                file=file_name,
                action=action,
                rows=len(merged),
            )
        return counts, previous is not None

    def remove(self, name: str, *, wait: float = LOCK_TIMEOUT_S) -> DatasetInfo:
        """Remove a dataset; return what it was. Its last version stays in the history.

        ``wait`` is how long to wait for an import that holds the data (seconds): a page
        passes a moment, so the person removing is told at once that an import is running.

        Raises
        ------
        KeyError
            When no dataset has that name.
        loaders.errors.LayerError
            When an import still holds the data after ``wait``.
        """
        with self._locked(wait):
            state = self._read_state()
            current = dict(state.datasets)
            if name not in current:
                raise KeyError(name)
            removed = current.pop(name)
            self._commit(
                state, current, dataset=name, kind=removed.kind, file=None, action="remove", rows=0
            )
        return removed


def open_datasets(
    folder: Path | None = None, geodata: Path | None = None, **options: Any
) -> DatasetStore:
    """The datasets store in use: the shared database when ``ATLAS_DATABASE_URL`` is set,
    else the data directory ``folder`` (:func:`data_dir` when None)."""
    from atlas.db import database_url

    url = database_url()
    if url is None:
        return DatasetStore(folder, geodata, **options)
    from atlas.db.datasets import DatabaseDatasetStore

    return DatabaseDatasetStore(url, folder, geodata, **options)


@contextmanager
def staged_file(data: bytes) -> Iterator[Path]:
    """Uploaded bytes as a private temporary file (under a fixed name, never the user's)."""
    with tempfile.TemporaryDirectory(prefix="atlas-upload-") as folder:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        yield path


def with_imported(curated: AtlasLayers, store: DatasetStore) -> AtlasLayers:
    """The layers with every imported dataset added to the curated incidents and deployments."""
    # A store that answers views itself keeps its incidents out of the layers.
    incidents = store.frames(INCIDENTS) if store.imported_incidents() is None else []
    deployments = store.frames(DEPLOYMENTS)
    if not incidents and not deployments:
        return curated

    def combined(
        base: gpd.GeoDataFrame, extra: list[gpd.GeoDataFrame], by: str
    ) -> gpd.GeoDataFrame:
        if not extra:
            return base
        frame = pd.concat([base, *extra], ignore_index=True)
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=base.crs)
        return frame.sort_values([by, "id"], ignore_index=True)

    return dataclasses.replace(
        curated,
        incidents=combined(curated.incidents, incidents, "event_date"),
        deployments=combined(curated.deployments, deployments, "start_date"),
    )


def datasets_table(layers: AtlasLayers, store: DatasetStore) -> pd.DataFrame:
    """Every dataset feeding the maps, the embedded curated set first, for display."""
    incidents = layers.incidents[layers.incidents["dataset"] == CURATED_DATASET]
    rows: list[dict[str, Any]] = [
        {
            "name": CURATED_DATASET,
            "format": "embedded",
            "kind": INCIDENTS,
            "rows": len(incidents),
            "date_min": incidents["event_date"].min().date().isoformat()
            if len(incidents)
            else None,
            "date_max": incidents["event_date"].max().date().isoformat()
            if len(incidents)
            else None,
            "licence": CURATED_LICENCE,
            "imported_at": None,
        }
    ]
    rows += [{k: v for k, v in d.summary().items() if k != "incidents"} for d in store.datasets()]
    return pd.DataFrame(rows)


# -- command line: ``python -m atlas import | datasets | remove`` ------------------------------


def report_lines(report: ImportReport, *, shown: int = 20) -> list[str]:
    """The import report as lines of text for a terminal."""
    what = "deployments" if report.kind == DEPLOYMENTS else "incidents"
    lines = [
        f"{report.file}: {report.format} -> dataset {report.dataset!r}"
        + (f" (encoding {report.encoding})" if report.encoding else "")
        + (f", layer {report.layer!r}" if report.layer else ""),
        f"  rows read:        {report.rows_read:,}",
        f"  {what} accepted: {report.accepted:,}",
        f"  rows rejected:    {len(report.rejected):,}",
    ]
    lines += [f"    {reason}: {n:,}" for reason, n in report.rejected_by_reason.items()]
    if report.merged:
        lines.append(f"  rows merged:      {report.merged:,} (one event told on several rows)")
    if report.flagged:
        lines.append(f"  kept but flagged: {len(report.flagged):,}")
        lines += [f"    {reason}: {n:,}" for reason, n in report.flagged_by_reason.items()]
    if report.mapping:
        lines.append("  columns: " + ", ".join(f"{k}={v}" for k, v in report.mapping.items()))
    if report.stored:
        lines.append(
            f"  added {report.added:,}, updated {report.updated:,}, unchanged {report.unchanged:,}"
            + (f", removed {report.removed:,}" if report.removed else "")
        )
    if report.date_min and report.date_max:
        lines.append(f"  dates: {report.date_min.isoformat()} to {report.date_max.isoformat()}")
    for problem in report.rejected[:shown]:
        lines.append(f"  rejected: {problem}")
    if len(report.rejected) > shown:
        lines.append(f"  ... and {len(report.rejected) - shown:,} more rejected rows (see --json)")
    return lines


def _report_json(report: ImportReport) -> dict[str, Any]:
    body = report.to_json()
    body["rejected_rows"] = report.rejected_table().to_dict("records")
    return body


def rejected_rows_csv(report: ImportReport) -> bytes:
    """The rejected and flagged rows of an import as CSV, safe to open in a spreadsheet."""
    return safe_csv(report.rejected_table())


def _write_rejected_csv(report: ImportReport, out: Path | None) -> str | None:
    """Write the rejected rows when asked; return an error message when that failed."""
    if out is None:
        return None
    from atlas.export.files import write_atomically

    try:
        write_atomically(out, rejected_rows_csv(report))
    except (OSError, ValueError) as exc:
        return f"cannot write the rejected rows to {out}: {getattr(exc, 'strerror', None) or exc}"
    return None


def _cmd_import(args: Any) -> int:
    from atlas.access import cli_user, require
    from atlas.audit import record, record_import
    from loaders.imports import NothingImportedError, parse_mapping

    try:
        mapping = parse_mapping(args.map) if args.map else None
        accessed = date.fromisoformat(args.accessed) if args.accessed else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    options = ImportOptions(
        format=args.format,
        dataset=args.dataset,
        layer=args.layer,
        mapping=mapping,
        keep_outside=args.keep_outside,
        access_date=accessed,
        licence=args.licence,
    )
    store = open_datasets(args.data, geodata=args.geodata)
    user = cli_user()
    require(user, "import", what=str(args.path), folder=store.folder)
    if args.replace:
        require(user, "replace_dataset", what=str(args.path), folder=store.folder)
    try:
        report = store.import_file(args.path, options, name=args.path.name, replace=args.replace)
    except LayerError as exc:
        with contextlib.suppress(LayerError):  # a data folder that cannot hold a log says so
            record(
                user,
                "replace" if args.replace else "import",
                str(args.path),
                outcome="failed",
                reason=str(exc).splitlines()[0],
            )
        if not isinstance(exc, NothingImportedError):
            raise
        _print_report(exc.report, as_json=args.json)
        print(f"error: {exc}", file=sys.stderr)
        failed = _write_rejected_csv(exc.report, args.rejected_csv)
        if failed:
            print(f"error: {failed}", file=sys.stderr)
        return 2
    record_import(user, report, replace=args.replace, folder=store.folder)
    _print_report(report, as_json=args.json)
    failed = _write_rejected_csv(report, args.rejected_csv)
    if failed:
        print(f"error: {failed}", file=sys.stderr)
        return 2
    return 0


def _print_report(report: ImportReport, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(_report_json(report), ensure_ascii=False, default=str))
    else:
        print("\n".join(report_lines(report)))


def _cmd_datasets(args: Any) -> int:
    summaries = [d.summary() for d in open_datasets(args.data, geodata=args.geodata).datasets()]
    if args.json:
        print(json.dumps(summaries, ensure_ascii=False))
        return 0
    if not summaries:
        print("no imported datasets (the maps show the embedded curated set only)")
        return 0
    print(f"{'name':<16} {'format':<8} {'rows':>8}  {'from':<10}  {'to':<10}  licence")
    for s in summaries:
        print(
            f"{s['name']:<16} {s['format']:<8} {s['rows']:>8,}  {s['date_min']:<10}  "
            f"{s['date_max']:<10}  {s['licence']}"
        )
    return 0


def _cmd_remove(args: Any) -> int:
    from atlas.access import cli_user, require
    from atlas.audit import record

    store = open_datasets(args.data, geodata=args.geodata)
    user = cli_user()
    require(user, "remove_dataset", what=args.name, folder=store.folder)
    try:
        removed = store.remove(args.name)
    except KeyError:
        print(f"error: no dataset named {args.name!r}", file=sys.stderr)
        return 2
    record(user, "remove", f"{removed.name} ({removed.rows:,} rows)", folder=store.folder)
    print(f"removed dataset {removed.name!r} ({removed.rows:,} rows)")
    return 0


def add_dataset_commands(commands: Any) -> None:
    """Add ``import``, ``datasets`` and ``remove`` to the subcommands of ``python -m atlas``."""
    from loaders.imports import FORMATS

    data_help = "data directory (default: $ATLAS_DATA_DIR or data/)"
    run = commands.add_parser("import", help="import a data file (ACLED, UCDP GED, Geo-PKO, …)")
    run.add_argument("path", type=Path, help="the file; its content decides the format")
    run.add_argument("--format", default="auto", choices=["auto", *FORMATS])
    run.add_argument("--dataset", help="name to store it under (default: from the format)")
    run.add_argument("--layer", help="GeoPackage layer, or shapefile in a zip, to read")
    run.add_argument("--map", help="column mapping for plain CSV/spatial files: date=COL,lat=COL,…")
    run.add_argument("--keep-outside", action="store_true", help="keep rows outside the area")
    run.add_argument("--accessed", help="download date YYYY-MM-DD for the attribution (today)")
    run.add_argument("--licence", help="licence and attribution line (default: per format)")
    run.add_argument(
        "--replace",
        action="store_true",
        help="make the dataset exactly the file's rows: stored rows it lacks are removed "
        "(admins; the previous version stays in the history)",
    )
    run.add_argument("--data", type=Path, default=None, help=data_help)
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.add_argument(
        "--rejected-csv",
        type=Path,
        metavar="OUT",
        help="write the rejected and flagged rows to this CSV (formula-safe, as on the Data page)",
    )
    run.set_defaults(run=_cmd_import)
    listing = commands.add_parser("datasets", help="list imported datasets")
    listing.add_argument("--data", type=Path, default=None, help=data_help)
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    listing.set_defaults(run=_cmd_datasets)
    remove = commands.add_parser("remove", help="remove an imported dataset")
    remove.add_argument("name")
    remove.add_argument("--data", type=Path, default=None, help=data_help)
    remove.set_defaults(run=_cmd_remove)

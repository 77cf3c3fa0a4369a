"""Imported datasets in the shared database: the same store as the data directory's.

:class:`DatabaseDatasetStore` answers exactly as :class:`atlas.datasets.DatasetStore` does
(the same datasets, rows, history and counts), but every write is one transaction in
PostgreSQL: an import that fails or is killed leaves the database as it was. Writers from
every app process are serialised by one advisory lock, held until the transaction ends.
Rows are kept per version as :mod:`atlas.db.schema` describes; a re-import writes only
the rows that changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import shapely
from sqlalchemy import (
    Connection,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as upsert

from atlas.aggregate import PRECOMPUTED_RESOLUTIONS, cell_column, with_cells
from atlas.datasets import (
    LOCK_TIMEOUT_S,
    DatasetInfo,
    DatasetStore,
    HistoryEntry,
    ImportOptions,
    StoreHistory,
    Updates,
    _Counts,
    _pause_point,
    check_kind,
    dataset_info,
    merge_updates,
    version_action,
)
from atlas.db import schema, shown
from atlas.db.migrate import transaction

if TYPE_CHECKING:
    from atlas.db.query import DatabaseIncidents
from loaders import LayerError
from loaders.imports import DEPLOYMENTS, INCIDENTS, ImportReport
from loaders.imports.schema import DAY, DEPLOYMENT_COLUMNS, INCIDENT_COLUMNS

DATASETS_LOCK = 0x61746C6173_01
"""The advisory lock every dataset write holds: "atlas" and 1."""

COPY_CHUNK = 1 << 20
"""Bytes handed to COPY at a time."""

_COLUMNS = {INCIDENTS: INCIDENT_COLUMNS, DEPLOYMENTS: DEPLOYMENT_COLUMNS}


def version_file(seq: int) -> str:
    """The name a version goes by where the embedded store names a file."""
    return f"version-{seq}"


def bump(connection: Connection, area: str) -> None:
    """Count one more change of ``area`` (``datasets``, ``notes``, ``briefings``) in this
    transaction: what the pages' cache keys compare."""
    statement = upsert(schema.changes).values(area=area, counter=1)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["area"], set_={"counter": schema.changes.c.counter + 1}
        )
    )


def counter(connection: Connection, area: str) -> int:
    """How many changes ``area`` has seen."""
    found = connection.execute(
        select(schema.changes.c.counter).where(schema.changes.c.area == area)
    ).scalar()
    return int(found or 0)


@contextmanager
def locked(connection: Connection, key: int, wait: float, busy: str) -> Iterator[None]:
    """Hold the advisory lock ``key`` until the transaction ends, waiting up to ``wait`` s.

    Raises
    ------
    loaders.errors.LayerError
        Saying ``busy`` when another process still holds it after ``wait``.
    """
    deadline = time.monotonic() + wait
    while not connection.execute(select(func.pg_try_advisory_xact_lock(key))).scalar():
        if time.monotonic() >= deadline:
            raise LayerError.single("shared database", busy)
        time.sleep(0.05)
    yield


def _column_types(kind: str) -> dict[str, str]:
    table = schema.ROW_TABLES[kind]
    return {c.name: type(c.type).__name__ for c in table.columns}


def _to_csv(frame: gpd.GeoDataFrame, kind: str, seq: int, dataset: str) -> tuple[list[str], bytes]:
    """The rows to copy into the kind's table as PostgreSQL CSV, with the columns they fill.

    Built column by column with Arrow: strings are always quoted (``""`` is an empty text),
    missing values are empty (NULL), geometry is hexadecimal EWKB in EPSG:4326.
    """
    types = _column_types(kind)
    arrays: dict[str, pa.Array] = {}
    for name in (c for c in _COLUMNS[kind] if c not in ("geometry", "dataset")):
        values = frame[name]
        if types[name] == "Date":
            arrays[name] = pa.array(values.astype("datetime64[ms]"), from_pandas=True).cast(
                pa.date32()
            )
        elif types[name] in ("SmallInteger", "Integer"):
            arrays[name] = pa.array(values.astype("Int64"), type=pa.int64(), from_pandas=True)
        else:
            arrays[name] = pa.array(values.astype(object), type=pa.string(), from_pandas=True)
    geometry = shapely.set_srid(np.asarray(frame.geometry.array, dtype=object), 4326)
    arrays["geometry"] = pa.array(
        shapely.to_wkb(geometry, hex=True, include_srid=True), type=pa.string()
    )
    if kind == INCIDENTS:
        cells = with_cells(frame)
        for resolution in PRECOMPUTED_RESOLUTIONS:
            name = cell_column(resolution)
            arrays[name] = pa.array(cells[name].to_numpy().astype(np.int64))
    arrays["valid_from"] = pa.array(np.full(len(frame), seq, dtype=np.int64))
    arrays["dataset"] = pa.array([dataset] * len(frame), type=pa.string())
    buffer = io.BytesIO()
    pa_csv.write_csv(
        pa.table(arrays),
        buffer,
        pa_csv.WriteOptions(include_header=False, quoting_style="needed"),
    )
    return list(arrays), buffer.getvalue()


def fetch_rows(
    connection: Connection, kind: str, condition: Any, *, cells: bool = False
) -> gpd.GeoDataFrame:
    """The rows of the kind's table matching ``condition``, in the order written, as the
    embedded store's frame (with the H3 cell columns when ``cells``).

    They travel as CSV out of PostgreSQL's COPY and are parsed by Arrow column by column:
    at a hundred thousand rows that is several times faster than rows one by one.
    """
    table = schema.ROW_TABLES[kind]
    names = [c for c in _COLUMNS[kind] if c != "geometry"]
    if cells:
        names += [cell_column(r) for r in PRECOMPUTED_RESOLUTIONS]
    query = (
        select(
            *(table.c[n] for n in names),
            func.ST_X(table.c.geometry).label("lon"),
            func.ST_Y(table.c.geometry).label("lat"),
        )
        .where(condition)
        .order_by(table.c.row_id)
    )
    compiled = query.compile(dialect=connection.dialect)
    raw = connection.connection.driver_connection
    assert raw is not None
    statement = f"COPY ({compiled.string}) TO STDOUT WITH (FORMAT csv, HEADER true)"
    with raw.cursor() as cursor, cursor.copy(statement, compiled.params) as copy:
        body = b"".join(bytes(chunk) for chunk in copy)
    types = _column_types(kind)
    arrow_types = {n: _ARROW_TYPES.get(types.get(n, "BigInteger"), pa.string()) for n in names} | {
        "lon": pa.float64(),
        "lat": pa.float64(),
    }
    parsed = pa_csv.read_csv(
        io.BytesIO(body),
        convert_options=pa_csv.ConvertOptions(
            column_types=arrow_types,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    return _to_frame(parsed, kind, names)


_ARROW_TYPES = {
    "Date": pa.date32(),
    "SmallInteger": pa.int64(),
    "Integer": pa.int64(),
    "BigInteger": pa.int64(),
    "Text": pa.string(),
}


_PANDAS_TYPES = {pa.int64(): pd.Int64Dtype(), pa.string(): pd.StringDtype(na_value=np.nan)}
"""Arrow to pandas as the embedded store's frames have them: nullable integers, ``str``."""


def _to_frame(parsed: pa.Table, kind: str, names: list[str]) -> gpd.GeoDataFrame:
    """Columns read back as the embedded store's frame: its dtypes, and points."""
    types = _column_types(kind)
    table = schema.ROW_TABLES[kind]
    raw = parsed.to_pandas(types_mapper=_PANDAS_TYPES.get)
    frame = pd.DataFrame(index=raw.index)
    for name in names:
        values = raw[name]
        kind_of = types.get(name)
        if name.startswith("h3_"):
            frame[name] = values.to_numpy(dtype=np.int64).astype(np.uint64)
        elif kind_of == "Date":
            frame[name] = pd.to_datetime(values).astype(DAY)
        elif kind_of in ("SmallInteger", "Integer"):
            frame[name] = values if table.c[name].nullable else values.astype(int)
        else:
            frame[name] = values
    lon, lat = raw["lon"].to_numpy(dtype=float), raw["lat"].to_numpy(dtype=float)
    geometry = gpd.points_from_xy(lon, lat, crs="EPSG:4326")
    geometry[np.isnan(lon)] = None
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def _valid_at(table: Table, dataset: str, seq: int) -> Any:
    return and_(
        table.c.dataset == dataset,
        table.c.valid_from <= seq,
        or_(table.c.valid_to.is_(None), table.c.valid_to > seq),
    )


class DatabaseDatasetStore(DatasetStore):
    """The imported datasets in the database at ``url`` (PostgreSQL with PostGIS).

    ``folder`` is only the data directory other parts of the atlas name in messages; this
    store writes nothing there.
    """

    def __init__(
        self,
        url: str,
        folder: Path | None = None,
        geodata: Path | None = None,
        *,
        keep_versions: int = 20,
    ) -> None:
        super().__init__(folder, geodata, keep_versions=keep_versions)
        self.url = url

    def _connect(self) -> AbstractContextManager[Connection]:
        """A connection in a transaction (committed when the block ends without error)."""
        return transaction(self.url)

    # -- reading -------------------------------------------------------------------------

    def _datasets(self, connection: Connection) -> dict[str, DatasetInfo]:
        found: dict[str, DatasetInfo] = {}
        for row in connection.execute(select(schema.datasets).order_by(schema.datasets.c.name)):
            fields = dict(row._mapping)
            seq = fields.pop("seq")
            found[row.name] = DatasetInfo(file=version_file(seq), **fields)
        return found

    def where(self) -> str:
        """Where the datasets are kept, for an administrator (never with a password)."""
        return f"the shared database {shown(self.url)}"

    def imported_incidents(self, version: str = "") -> DatabaseIncidents:
        """Views ask the database for their imported incidents; no process loads them all."""
        from atlas.db.query import DatabaseIncidents

        return DatabaseIncidents(self.url, version or self.fingerprint())

    def datasets(self) -> list[DatasetInfo]:
        """Every stored dataset, by name."""
        with self._connect() as connection:
            return list(self._datasets(connection).values())

    def fingerprint(self) -> str:
        """Changes with every write to the datasets (one small query)."""
        with self._connect() as connection:
            changed = counter(connection, "datasets")
        return hashlib.sha256(f"{self.url}\0{changed}".encode()).hexdigest()[:16]

    def _rows(
        self, connection: Connection, kind: str, dataset: str, seq: int | None
    ) -> gpd.GeoDataFrame:
        table = schema.ROW_TABLES[kind]
        where = (
            and_(table.c.dataset == dataset, table.c.valid_to.is_(None))
            if seq is None
            else _valid_at(table, dataset, seq)
        )
        return fetch_rows(connection, kind, where)

    def read(self, name: str) -> gpd.GeoDataFrame:
        """The current rows of one dataset.

        Raises
        ------
        KeyError
            When no dataset has that name.
        """
        with self._connect() as connection:
            info = self._datasets(connection).get(name)
            if info is None:
                raise KeyError(name)
            return self._rows(connection, info.kind, name, None)

    def history(self) -> StoreHistory:
        """Every version the database keeps, oldest first."""
        with self._connect() as connection:
            return self._history(connection)

    @staticmethod
    def _history(connection: Connection) -> StoreHistory:
        entries = tuple(
            HistoryEntry(
                seq=row.seq,
                dataset=row.dataset,
                kind=row.kind,
                file=None if row.action == "remove" else version_file(row.seq),
                became_current=row.became_current.astimezone(UTC).isoformat(),
                action=row.action,
                rows=row.rows,
            )
            for row in connection.execute(select(schema.versions).order_by(schema.versions.c.seq))
        )
        since = {
            row.dataset: row.since.astimezone(UTC).isoformat()
            for row in connection.execute(select(schema.kept_since))
        }
        return StoreHistory(entries, since)

    def read_version(self, entry: HistoryEntry) -> gpd.GeoDataFrame:
        """The rows of one version (none for a removal)."""
        if entry.file is None:
            return gpd.GeoDataFrame({"id": pd.Series([], dtype=object)}, geometry=[])
        with self._connect() as connection:
            return self._rows(connection, entry.kind, entry.dataset, entry.seq)

    # -- writing -------------------------------------------------------------------------

    def _locked_write(self, connection: Connection, wait: float = LOCK_TIMEOUT_S) -> Any:
        return locked(
            connection,
            DATASETS_LOCK,
            wait,
            "an import is writing to this data now; try again when it has finished",
        )

    def _new_version(
        self,
        connection: Connection,
        dataset: str,
        kind: str,
        action: str,
        rows: int,
        when: datetime | None = None,
    ) -> int:
        """Record a version of ``dataset`` (current from ``when``, now by default)."""
        versions = schema.versions
        return int(
            connection.execute(
                insert(versions)
                .values(
                    dataset=dataset,
                    kind=kind,
                    became_current=when or datetime.now(UTC),
                    action=action,
                    rows=rows,
                )
                .returning(versions.c.seq)
            ).scalar_one()
        )

    def _forget_old(self, connection: Connection, dataset: str, kind: str) -> None:
        versions = schema.versions
        kept = connection.execute(
            select(versions.c.seq, versions.c.became_current)
            .where(versions.c.dataset == dataset)
            .order_by(versions.c.seq.desc())
            .offset(self.keep_versions - 1)
            .limit(1)
        ).first()
        if kept is None:
            return
        older = and_(versions.c.dataset == dataset, versions.c.seq < kept.seq)
        if not connection.execute(select(func.count()).where(older)).scalar():
            return
        connection.execute(delete(versions).where(older))
        table = schema.ROW_TABLES[kind]
        connection.execute(
            delete(table).where(table.c.dataset == dataset, table.c.valid_to <= kept.seq)
        )
        statement = upsert(schema.kept_since).values(dataset=dataset, since=kept.became_current)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["dataset"], set_={"since": kept.became_current}
            )
        )

    def _store(
        self,
        frame: gpd.GeoDataFrame,
        report: ImportReport,
        options: ImportOptions,
        *,
        replace: bool,
    ) -> tuple[_Counts, bool]:
        """Write the import's changed rows as a new version in one transaction."""
        with self._connect() as connection, self._locked_write(connection):
            current = self._datasets(connection)
            previous = current.get(report.dataset)
            check_kind(previous, report)
            old = (
                self._rows(connection, report.kind, report.dataset, None)
                if previous is not None
                else None
            )
            merged, counts = merge_updates(old, frame, replace=replace)
            action = version_action(previous is not None, replace=replace)
            seq = self._write_version(
                connection,
                report.dataset,
                report.kind,
                old,
                frame,
                replace=replace,
                action=action,
                rows=len(merged),
            )
            info = dataset_info(report, merged, options, version_file(seq))
            self._set_current(connection, info, seq)
            self._forget_old(connection, report.dataset, report.kind)
            bump(connection, "datasets")
            _pause_point("manifest-written")
        return counts, previous is not None

    def _write_version(
        self,
        connection: Connection,
        dataset: str,
        kind: str,
        old: gpd.GeoDataFrame | None,
        frame: gpd.GeoDataFrame,
        *,
        replace: bool,
        action: str,
        rows: int,
        when: datetime | None = None,
    ) -> int:
        """Write the rows of ``frame`` that differ from ``old`` as a new version of ``rows``
        rows; end the replaced rows (and, with ``replace``, the rows ``frame`` lacks).
        Returns the version's number."""
        updates = Updates.between(old, frame)
        seq = self._new_version(connection, dataset, kind, action, rows, when)
        table = schema.ROW_TABLES[kind]
        written = frame.loc[~updates.same]
        ended = written.loc[updates.known, "id"].tolist()
        if replace and old is not None:
            ended += old.loc[~old["id"].isin(frame["id"]), "id"].tolist()
        if ended:
            connection.execute(
                update(table)
                .where(
                    table.c.dataset == dataset,
                    table.c.valid_to.is_(None),
                    table.c.id == any_(bindparam("ended", ended, type_=ARRAY(Text))),
                )
                .values(valid_to=seq)
            )
        self._copy(connection, written, kind, seq, dataset)
        _pause_point("data-written")
        return seq

    @staticmethod
    def _set_current(connection: Connection, info: DatasetInfo, seq: int) -> None:
        """Make ``info`` what the store lists for its dataset, at version ``seq``."""
        fields = {k: v for k, v in asdict(info).items() if k != "file"}
        statement = upsert(schema.datasets).values(seq=seq, **fields)
        connection.execute(
            statement.on_conflict_do_update(index_elements=["name"], set_={"seq": seq, **fields})
        )

    def _end_dataset(
        self, connection: Connection, name: str, kind: str, when: datetime | None = None
    ) -> None:
        """Record the removal of a dataset: its rows end, and it is no longer listed."""
        seq = self._new_version(connection, name, kind, "remove", 0, when)
        table = schema.ROW_TABLES[kind]
        connection.execute(
            update(table)
            .where(table.c.dataset == name, table.c.valid_to.is_(None))
            .values(valid_to=seq)
        )
        connection.execute(delete(schema.datasets).where(schema.datasets.c.name == name))
        self._forget_old(connection, name, kind)

    @staticmethod
    def _copy(
        connection: Connection, frame: gpd.GeoDataFrame, kind: str, seq: int, dataset: str
    ) -> None:
        """Append rows with PostgreSQL's COPY (values travel as data, never as SQL)."""
        if frame.empty:
            return
        names, body = _to_csv(frame, kind, seq, dataset)
        table = schema.ROW_TABLES[kind].name
        quoted = ", ".join(f'"{n}"' for n in names)
        raw = connection.connection.driver_connection
        assert raw is not None
        statement = f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv)"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for start in range(0, len(body), COPY_CHUNK):
                copy.write(body[start : start + COPY_CHUNK])

    def remove(self, name: str, *, wait: float = LOCK_TIMEOUT_S) -> DatasetInfo:
        """Remove a dataset; return what it was. Its last version stays in the history."""
        with self._connect() as connection, self._locked_write(connection, wait):
            removed = self._datasets(connection).get(name)
            if removed is None:
                raise KeyError(name)
            self._end_dataset(connection, name, removed.kind)
            bump(connection, "datasets")
        return removed

    # -- copying an embedded store ---------------------------------------------------------

    def copy_from(self, source: DatasetStore) -> Copied:
        """Copy every kept version of ``source``'s datasets, in order, with their moments.

        Idempotent: each version copied is marked in the database under the source folder's
        path and its number, and is skipped when the copy is run again. Every version is
        copied in a transaction of its own, in the order they were written, so a copy that
        fails part-way is taken up where it stopped by the next run.
        """
        history = source.history()
        listed = {d.name: d for d in source.datasets()}
        origin = str(source.folder.resolve())
        copied = skipped = 0
        for entry in history.entries:  # in the order they were written
            mark = f"{origin}#{entry.seq}"
            with self._connect() as connection, self._locked_write(connection):
                done = connection.execute(
                    select(func.count()).where(
                        schema.documents.c.collection == MIGRATED, schema.documents.c.name == mark
                    )
                ).scalar()
                if done:
                    skipped += 1
                    continue
                self._copy_version(connection, source, entry, listed.get(entry.dataset))
                connection.execute(
                    insert(schema.documents).values(
                        collection=MIGRATED,
                        name=mark,
                        body={"dataset": entry.dataset, "action": entry.action},
                    )
                )
                bump(connection, "datasets")
                copied += 1
        return Copied(copied, skipped)

    def _copy_version(
        self,
        connection: Connection,
        source: DatasetStore,
        entry: HistoryEntry,
        listed: DatasetInfo | None,
    ) -> None:
        current = self._datasets(connection).get(entry.dataset)
        if entry.file is None:
            if current is not None:
                self._end_dataset(connection, entry.dataset, current.kind, entry.moment)
            return
        if current is not None and current.kind != entry.kind:
            self._end_dataset(connection, entry.dataset, current.kind, entry.moment)
            current = None
        rows = source.read_version(entry)
        old = self._rows(connection, entry.kind, entry.dataset, None) if current else None
        seq = self._write_version(
            connection,
            entry.dataset,
            entry.kind,
            old,
            rows,
            replace=True,
            action=entry.action,
            rows=len(rows),
            when=entry.moment,
        )
        dates = rows["start_date" if entry.kind == DEPLOYMENTS else "event_date"]
        base = listed or current
        info = DatasetInfo(
            name=entry.dataset,
            format=base.format if base else "unknown",
            kind=entry.kind,
            file=version_file(seq),
            rows=len(rows),
            date_min=dates.min().date().isoformat() if len(rows) else None,
            date_max=dates.max().date().isoformat() if len(rows) else None,
            licence=str(rows["licence"].iloc[-1]) if len(rows) else (base.licence if base else ""),
            imported_at=entry.moment.isoformat(timespec="seconds"),
            source_file=base.source_file if base else "",
            encoding=base.encoding if base else None,
            access_date=base.access_date if base else None,
        )
        if listed is not None and listed.file == entry.file:
            info = dataclasses.replace(listed, file=info.file)  # the current version: as listed
        self._set_current(connection, info, seq)
        self._forget_old(connection, entry.dataset, entry.kind)


MIGRATED = "migrated-versions"
"""The documents collection marking the versions :meth:`DatabaseDatasetStore.copy_from` copied."""


@dataclass(frozen=True)
class Copied:
    """What a copy of an embedded store did: versions copied, and already there."""

    versions: int
    skipped: int

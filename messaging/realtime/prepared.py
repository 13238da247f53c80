"""ORM queries compiled once per shape, then only bound and run: for the real-time hot path.

Building and compiling a Django queryset costs about a millisecond of CPU, several times what
PostgreSQL then needs to answer it; every send batch and every delivery batch runs the same
few queries with other values. A `PreparedQuery` keeps the rule in the ORM: on the first
call of a shape it builds the queryset from stand-in values, compiles it, and records where
each stand-in landed among the SQL parameters; every later call of that shape binds the real
values into the same SQL and runs it. A shape is whatever changes the SQL text besides the
values: the lengths of lists (an `IN (…)` has one parameter per item), branches of the
builder, and constants the builder reads itself (today's date, for instance). Lists are
padded to the next power of two by repeating their last item (`IN (a, b, c, c)` means
`IN (a, b, c)`), so that a batch of 37 rooms and one of 60 share a shape: a few shapes per
query, not one per length.

Only queries of `values_list` rows: the result is a list of tuples, converted as the ORM
converts them (UUIDs, JSON, dates), and `instance` turns such values into model instances.
"""

import contextlib
import datetime
import json
import threading
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import QuerySet
from psycopg import Binary
from psycopg.types.json import Jsonb

# Stand-in integers: positive and within 32 bits, as the ORM drops a comparison with a value
# outside its field's range from the SQL; no constant of a hot query is near them.
_STAND_IN_BASE = 2_000_000_000
# Compiled shapes kept per query; a shape that bakes in today's date is replaced daily.
MAX_SHAPES = 256


@dataclass
class _Compiled:
    sql: str
    slots: list
    compiler: object  # the SQLCompiler, whose converters apply to the rows
    converters: dict


class Pending:
    """A query sent to the database, its rows read by `fetch` (see `together`)."""

    def __init__(self, cursor, compiled: _Compiled):
        self.cursor, self.compiled = cursor, compiled

    def fetch(self) -> list[tuple]:
        with self.cursor:
            rows = self.cursor.fetchall()
        if self.compiled.converters:
            converted = self.compiled.compiler.apply_converters(rows, self.compiled.converters)
            rows = [tuple(row) for row in converted]
        return rows


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._compiled: dict[Hashable, _Compiled] = {}
        self._lock = threading.Lock()

    def rows(self, shape: Hashable, **values) -> list[tuple]:
        """Run the query for `values` (ints, UUIDs, or lists of them); `shape` must change
        whenever the SQL text would (list lengths are added to it here)."""
        return self.execute(shape, **values).fetch()

    def execute(self, shape: Hashable, **values) -> Pending:
        """Send the query; read its rows later with `fetch` (see `together`)."""
        values = {k: _padded(v) if _length(v) is not None else v for k, v in values.items()}
        key = (shape, connection.vendor, *((k, _length(v)) for k, v in sorted(values.items())))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compile(values)
            with self._lock:
                if len(self._compiled) >= MAX_SHAPES:  # e.g. yesterday's dates: start over
                    self._compiled.clear()
                self._compiled[key] = compiled
        params = [slot(values) for slot in compiled.slots]
        run = cursor()
        run.execute(compiled.sql, params)
        return Pending(run, compiled)

    def _compile(self, values: dict) -> _Compiled:
        stand_ins, where = {}, {}
        counter = iter(range(1, 1_000_000))
        for name, value in values.items():
            if isinstance(value, list | tuple | set | frozenset):
                items = []
                for index, item in enumerate(value):
                    stand_in = _stand_in(item, next(counter))
                    items.append(stand_in)
                    where[_normal(stand_in)] = (name, index)
                stand_ins[name] = items
            else:
                stand_ins[name] = _stand_in(value, next(counter))
                where[_normal(stand_ins[name])] = (name, None)
        compiler = self.build(**stand_ins).query.get_compiler(connection.alias)
        sql, params = compiler.as_sql()
        converters = compiler.get_converters([c[0] for c in compiler.select[: compiler.col_count]])
        slots = []
        for param in params:
            place = where.get(_normal(param))
            if place is None:
                slots.append(_constant(param))
            else:
                slots.append(_binder(*place, as_text=isinstance(param, str)))
        if len({_normal(p) for p in params} & set(where)) != len(where):
            raise ValueError("a value of the prepared query did not reach its SQL")
        return _Compiled(sql, slots, compiler, converters)


class BulkInsert:
    """`Model.objects.bulk_create(objs)` as one statement with one parameter, whatever the
    number of rows: on PostgreSQL `INSERT … SELECT columns FROM jsonb_to_recordset(%s) AS
    r(column type, …)`, the rows as one JSON document. The ORM's insert has one parameter per value,
    so its SQL is compiled anew, and parsed again by psycopg and PostgreSQL, for every batch
    size (a few milliseconds of CPU for ten rows); one array parameter per column would cost
    psycopg a type inspection per column. This statement is written once per model and
    prepared once per connection; each field prepares its values as the ORM does, and
    `_json_value` writes them in the text form PostgreSQL reads for the column's type. No
    signals are sent, as with `bulk_create`. Elsewhere (SQLite) it is `bulk_create`."""

    def __init__(self, model):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self._sql: str | None = None

    def save(self, objs: list) -> None:
        if not objs:
            return
        if connection.vendor != "postgresql":
            self.model.objects.bulk_create(objs)
            return
        prep = [(field.column, field.attname, field.get_db_prep_save) for field in self.fields]
        rows = [
            {
                column: _json_value(save(getattr(obj, name), connection))
                for column, name, save in prep
            }
            for obj in objs
        ]
        cursor().execute(self._statement(), [json.dumps(rows, separators=(",", ":"))])
        for obj in objs:
            obj._state.adding, obj._state.db = False, connection.alias

    def _statement(self) -> str:
        if self._sql is None:
            quote = connection.ops.quote_name
            names = ", ".join(quote(field.column) for field in self.fields)
            typed = ", ".join(
                f"{quote(field.column)} {field.cast_db_type(connection)}" for field in self.fields
            )
            self._sql = (
                f"INSERT INTO {quote(self.model._meta.db_table)} ({names}) "  # noqa: S608
                f"SELECT {names} FROM jsonb_to_recordset(%s::jsonb) AS r({typed})"
            )
        return self._sql


def _json_value(value):
    """A value prepared by its field, as JSON that PostgreSQL reads back as the same value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Binary):  # what BinaryField prepares
        value = value.obj
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise TypeError("naive datetimes are not written")
        return value.isoformat()
    if isinstance(value, Jsonb):
        return value.obj
    raise TypeError(f"BulkInsert does not write {type(value).__name__} values")


def cursor():
    """A cursor for the statements of this module: on PostgreSQL one that sends the values
    apart from the SQL (server-side binding), so that psycopg turns a statement it has run
    a few times on a connection into a prepared statement (`prepare_threshold` in
    network/settings.py) and PostgreSQL no longer parses it on each run; Django's cursors
    write the values into the SQL text. Elsewhere Django's cursor."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    raw = ServerBindingCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


@contextlib.contextmanager
def together():
    """Statements run inside the block travel to PostgreSQL together (psycopg's pipeline
    mode): one round trip for several statements, instead of one each. Results are read
    when fetched or when the block ends; errors come as Django's database errors. Elsewhere
    (SQLite) the statements simply run one after another."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


def instance(model, values: dict):
    """A model instance from some of its fields' values (the others deferred: read from the
    database if ever touched), as the ORM builds one from a row."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


def _padded(items) -> list:
    """`items` as a list whose length is a power of two, its last item repeated to fill."""
    items = list(items)
    if items:
        items.extend(items[-1:] * ((1 << (len(items) - 1).bit_length()) - len(items)))
    return items


def _length(value) -> int | None:
    return len(value) if isinstance(value, list | tuple | set | frozenset) else None


def _stand_in(value, number: int):
    if isinstance(value, uuid.UUID):
        return uuid.UUID(int=(0xC0FFEE << 96) + number)
    if isinstance(value, int) and not isinstance(value, bool):
        return _STAND_IN_BASE - number
    raise TypeError(f"prepared queries bind ints and UUIDs, not {type(value).__name__}")


def _normal(value):
    if isinstance(value, uuid.UUID):
        return ("uuid", value.int)
    if isinstance(value, str):
        try:
            return ("uuid", uuid.UUID(value).int)
        except ValueError:
            return ("str", value)
    if isinstance(value, int) and not isinstance(value, bool):
        return ("int", value)
    return ("other", repr(value))


def _constant(param):
    return lambda values: param


def _binder(name: str, index: int | None, *, as_text: bool):
    def bind(values):
        value = values[name] if index is None else values[name][index]
        if isinstance(value, uuid.UUID) and as_text:
            return value.hex
        return value

    return bind

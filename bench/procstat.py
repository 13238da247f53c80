"""CPU time of processes, read from /proc (Linux), without any dependency.

`process_cpu(pid)` is user + system seconds of one process; `service_cpu(names)` sums every
process whose name starts with one of `names`, children already reaped included, so that
short-lived PostgreSQL backends count too; `machine_jiffies()` is (busy, total) of the
machine. Differences of two readings give the CPU spent in between.
"""

import os

TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    return _stat_fields_path(f"/proc/{pid}/stat")


def _stat_fields_path(path: str) -> list[str] | None:
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    # The command name is in parentheses and may contain spaces: split after the last ")".
    return text[text.rindex(")") + 2 :].split()


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of the process (0 when it is gone)."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def thread_split(pid: int) -> tuple[float, float]:
    """(main thread, all other threads) CPU seconds of a live process.

    For a Daphne process the main thread runs the event loop (Twisted, Channels, the
    consumers, the hub) and the other threads are mostly Channels' database thread.
    """
    main = others = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0, 0.0
    for tid in tids:
        fields = _stat_fields_path(f"/proc/{pid}/task/{tid}/stat")
        if fields is None:
            continue
        cpu = int(fields[11]) + int(fields[12])
        if int(tid) == pid:
            main += cpu
        else:
            others += cpu
    return main / TICK, others / TICK


def service_cpu(names: tuple[str, ...]) -> float:
    """CPU seconds of every process named `names*`, reaped children included."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if not comm.startswith(names):
            continue
        fields = _stat_fields(int(entry))
        if fields is not None:
            total += sum(int(x) for x in fields[11:15])
    return total / TICK


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot."""
    with open("/proc/stat") as f:
        values = [int(x) for x in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return total - idle, total


def database_stats(database_url: str) -> dict:
    """PostgreSQL's counters for the database of `database_url` (pg_stat_database).

    `sessions` counts connections opened, `active_time` the milliseconds backends spent
    executing statements; both include work of others on the same database (none here).
    """
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT sessions, active_time, xact_commit, xact_rollback, tup_inserted,"
            " tup_returned FROM pg_stat_database WHERE datname = %s",
            [name],
        ).fetchone()
    keys = ("sessions", "active_ms", "commits", "rollbacks", "inserted", "returned")
    return dict(zip(keys, row, strict=True)) if row else dict.fromkeys(keys, 0)

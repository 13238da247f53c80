"""Summarise py-spy collapsed stacks (`py-spy record -f raw`): where the samples are.

    .venv/bin/python bench/pyspy_summary.py bench/results/pyspy-*.txt [--top 30]

For each file (or all together with --merge): the share of samples per thread, the frames
with the most samples of their own ("self"), and the frames of our code and of the libraries
that most samples pass through ("inclusive"), with a few call paths grouped by purpose.
"""

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")

# Which activity a stack belongs to, by the first matching frame (innermost last).
GROUPS = [
    ("send batch (domain write)", "posting.py", "post_messages"),
    ("send batch (domain write)", "sends.py", "_write"),
    ("access check (get_room_for_member)", "access.py", "get_room_for_member"),
    ("hub: load + render events", "hub.py", "_load_batches"),
    ("hub: deliver to local sockets", "hub.py", "_deliver"),
    ("channel layer (channels_redis)", "channels_redis", ""),
    ("DB connection open/close", "django/db/backends/base/base.py", "connect"),
    ("close_old_connections", "django/db/__init__.py", "close_old_connections"),
    ("Daphne / Twisted / autobahn I/O", "twisted", ""),
    ("Daphne / Twisted / autobahn I/O", "autobahn", ""),
    ("Daphne / Twisted / autobahn I/O", "daphne", ""),
    ("asgiref thread hand-off", "asgiref", ""),
]

REPOSITORY = Path(__file__).resolve().parent.parent


def parse(path: Path):
    """Yield (frames outermost first, count) from one collapsed-stack file."""
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        yield stack.split(";"), int(count)


def short(frame: str) -> str:
    match = FRAME.match(frame)
    if not match:
        return frame
    file = match["file"]
    for marker in ("site-packages/", "/lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1]
    if file.startswith(str(REPOSITORY)):
        file = file[len(str(REPOSITORY)) + 1 :]
    return f"{match['func']} ({file})"


def classify(frames: list[str]) -> str:
    for label, file_part, func in GROUPS:
        for frame in frames:
            if file_part in frame and (not func or f"{func} (" in frame):
                return label
    return "other"


def thread_name(frame: str) -> str:
    """'thread (123): ThreadPoolExecutor-0_0' -> 'ThreadPoolExecutor-0_0'."""
    if frame.startswith(("thread", "process")) and ": " in frame:
        return (
            frame.split(": ", 1)[1].rsplit(" ", 1)[0]
            if frame.count(" ") > 2
            else frame.split(": ", 1)[1]
        )
    return "?"


def summarise(stacks: list[tuple[list[str], int]], top: int) -> None:
    total = sum(count for _, count in stacks)
    if not total:
        print("  no samples")
        return
    per_thread: dict[str, Counter] = {}
    own = Counter()
    through = Counter()
    for frames, count in stacks:
        name = thread_name(frames[0]) if frames else "?"
        # The executor's threads (asyncio_0, asyncio_1, ...) are one pool: one line.
        name = re.sub(r"^(asyncio|ThreadPoolExecutor-\d+)_\d+$", r"\1_* (worker threads)", name)
        body = [f for f in frames if not f.startswith(("thread", "process"))]
        if body:
            own[short(body[-1])] += count
        for frame in {short(f) for f in body}:
            through[frame] += count
        inner = body[-1] if body else ""
        in_psycopg = any("psycopg/" in f for f in body[-6:])
        waiting = any(w in inner for w in ("select (selectors.py", "Connection.wait (psycopg"))
        if "_worker (concurrent/futures/thread.py" in inner or "Condition.wait" in inner:
            label = "(idle: waiting for work)"
        elif waiting and not in_psycopg:
            label = "(idle: event loop waiting)"
        else:
            label = classify(list(reversed(body)))
            if any("_connect_gen" in f or "Connection.connect (psycopg" in f for f in body):
                label += " [connecting to PostgreSQL]"
            elif waiting:
                label += " [waiting on PostgreSQL]"
        per_thread.setdefault(name, Counter())[label] += count
    print(f"  {total} samples")
    for name, groups in sorted(per_thread.items(), key=lambda kv: -sum(kv[1].values())):
        n = sum(groups.values())
        print(f"  thread {name}: {n} samples ({100 * n / total:.0f}%)")
        for label, count in groups.most_common():
            print(f"    {100 * count / n:5.1f}%  {label}")
    print(f"  top {top} self:")
    for name, count in own.most_common(top):
        print(f"    {100 * count / total:5.1f}%  {name}")
    print("  inclusive, our code and the libraries under it:")
    shown = 0
    for name, count in through.most_common():
        if shown >= top:
            break
        if any(
            part in name
            for part in ("messaging/", "network/", "channels", "django/db", "psycopg", "asgiref")
        ):
            print(f"    {100 * count / total:5.1f}%  {name}")
            shown += 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--merge", action="store_true", help="one summary for all files")
    args = parser.parse_args(argv)
    if args.merge:
        stacks = [s for path in args.files for s in parse(path)]
        print("all files:")
        summarise(stacks, args.top)
    else:
        for path in args.files:
            print(f"{path}:")
            summarise(list(parse(path)), args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())

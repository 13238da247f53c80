"""The progress bar of the long-running management commands, on stderr."""


def show_progress(stream, done: int, total: int, noun: str, *, hidden: bool) -> None:
    """Redraw `[#####.....] done/total noun` on the current line of `stream`."""
    if hidden:
        return
    width = 30
    filled = width if total == 0 else min(width, width * done // total)
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {noun}", ending="")
    stream.flush()

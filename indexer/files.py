"""Which files of the corpus are pages: one rule for what the indexer reads and /pages/ serves."""
from __future__ import annotations

import os
import stat
from pathlib import Path

HTML_SUFFIXES = (".html", ".htm")


def is_servable(corpus_dir: Path | str, relative: str) -> bool:
    """True if `relative` (a/b/page.html) names a regular HTML file inside the corpus, reached
    without a symlink, a hidden file or folder (.git/) or a `..` anywhere along the way."""
    if not relative or "\\" in relative or "\0" in relative or relative.startswith("/"):
        return False
    parts = relative.split("/")
    if any(not part or part.startswith(".") for part in parts):  # "", ".", ".." and hidden names
        return False
    if not parts[-1].lower().endswith(HTML_SUFFIXES):
        return False
    current = Path(corpus_dir).resolve()  # the corpus folder itself may be a link
    for depth, part in enumerate(parts, start=1):
        current = current / part
        try:
            mode = os.lstat(current).st_mode  # lstat: a link is refused, never followed
        except (OSError, ValueError):
            return False
        wanted = stat.S_ISREG if depth == len(parts) else stat.S_ISDIR
        if not wanted(mode):
            return False
    return True


def servable_pages(corpus_dir: Path | str) -> dict[str, os.stat_result]:
    """Every page is_servable would allow, found in one walk (relative path -> its lstat), sorted.

    The same rule as is_servable, applied while walking: symlinks and hidden names are never
    entered or listed, so a 10,000-page corpus costs one scandir per folder rather than a
    look-up of every folder on every file's path.
    """
    found: dict[str, os.stat_result] = {}
    pending = [("", Path(corpus_dir).resolve())]
    while pending:
        prefix, folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                relative = f"{prefix}{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    pending.append((relative + "/", Path(entry.path)))
                elif entry.name.lower().endswith(HTML_SUFFIXES) and entry.is_file(follow_symlinks=False):
                    found[relative] = entry.stat(follow_symlinks=False)
    return dict(sorted(found.items()))

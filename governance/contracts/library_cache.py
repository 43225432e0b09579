"""The clause library as its files are now, loaded once and again only when a file changed; its base document.

Loading validates every template (about a quarter of a second), too slow for every page and draft, so services ask
``library_at`` rather than ``load_library``.
"""

from __future__ import annotations

import threading
from pathlib import Path

from governance.contracts.library import ClauseLibrary, load_library

_LOADED_LOCK = threading.Lock()
_BASES: dict[Path, tuple[tuple[int, int, int], bytes]] = {}


def base_document(root: Path) -> bytes | None:
    """The municipality's own base document (styles, headers) of the library under ``root``, if it has one.

    Read once and again only when the file changed (size, modification time, inode), not on every draft.
    """
    path = (root / "base.docx").absolute()
    try:
        s = path.stat()
    except OSError:
        return None
    stamp = (s.st_mtime_ns, s.st_size, s.st_ino)
    with _LOADED_LOCK:
        known = _BASES.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    data = path.read_bytes()
    with _LOADED_LOCK:
        _BASES[path] = (stamp, data)
    return data


LIBRARY_FOLDERS = ("clauses", "specification", "forms")
"""The folders of YAML files a library is read from, beside library.yaml and base.docx."""
Stamp = tuple[tuple[str, int, int, int], ...]
_LOADED: dict[Path, tuple[Stamp, ClauseLibrary]] = {}


def library_stamp(root: Path) -> Stamp:
    """Every file the library under ``root`` is read from, with its size, modification time and inode.

    Editing, adding or removing a file changes it, and so does a folder swapped in by a promotion.
    """
    paths = [root / "library.yaml", root / "base.docx",
             *(p for folder in LIBRARY_FOLDERS for p in sorted((root / folder).glob("*.yaml")))]  # fmt: skip
    out = []
    for path in paths:
        try:
            s = path.stat()
        except OSError:  # absent (base.docx is optional) or removed meanwhile: not part of the library now
            continue
        out.append((path.relative_to(root).as_posix(), s.st_mtime_ns, s.st_size, s.st_ino))
    return tuple(out)


def library_at(root: Path) -> ClauseLibrary:
    """The library under ``root`` as its files are now: loaded once, loaded again only when a file changed.

    Loading validates every template (about a quarter of a second), too slow for every page and draft; an edited,
    added or removed file still applies at once. A broken library is not kept: each call reports it again. Safe to
    call from worker threads (``anyio.to_thread``).

    Raises:
        LibraryError: with every problem found (file, clause id, reason).
    """
    key = root.absolute()
    stamp = library_stamp(key)  # taken before loading: a file changed while loading is loaded again next time
    with _LOADED_LOCK:
        known = _LOADED.get(key)
    if known is not None and known[0] == stamp:
        return known[1]
    library = load_library(key)
    with _LOADED_LOCK:
        _LOADED[key] = (stamp, library)
    return library

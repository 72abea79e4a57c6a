"""Which answers files the paths on a command line mean: the one walk every command that takes
paths uses (`score`, `validate`, `report`, `diff`, `card`).

A path named on the command line is taken as the user typed it: a file is read whatever its name
(a hidden one too), a folder is walked, a link is followed. Inside a walked folder the rules are
stricter, because nobody looked at what a repository holds before running `riskcli score .`:

- only `*.yaml` and `*.yml` files (any case: `*.YAML` too), in sorted order (depth first, names
  compared as text, so the order is the same on every machine);
- hidden names (`.git`, `.github`, `.venv`, `.answers.yaml.XXXX.tmp`, any dot-name) are skipped;
- a link is followed only when it stays inside the folder named: a link to a file outside would
  have `score` read (and echo the keys of) whatever it points at, so it is a problem instead;
- a folder is walked once, whichever links lead to it; a link back to a folder being walked is a
  loop, reported, not followed;
- a folder that cannot be read, a broken link, or an entry that is not a regular file (a FIFO
  would block the read forever) is a problem, and the rest are still walked.

Problems come back beside the files, never raised, so one bad entry never stops a batch.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from riskcli.errors import Problem

YAML_SUFFIXES = (".yaml", ".yml")

_Identity = tuple[int, int]
"""(st_dev, st_ino): the same file or folder, whatever the path that reached it."""


def is_yaml_name(name: str) -> bool:
    """An answers file's name, in any case (`A.YAML` is as much YAML as `a.yaml`)."""
    return name.lower().endswith(YAML_SUFFIXES)


def expand_paths(paths: Sequence[Path]) -> tuple[list[Path], list[Problem]]:
    """The files `paths` mean, in order, and one problem per path or entry that cannot be used.

    A path that is not a folder is kept as given, even one that does not exist (its reader says
    so); a folder is walked as the module docstring says. Each path is honoured on its own: a
    file named and also found in a folder named is read twice, as asked.
    """
    files: list[Path] = []
    problems: list[Problem] = []
    for path in map(Path, paths):
        try:
            info = path.stat()
        except OSError:
            info = None
        if info is None or not stat.S_ISDIR(info.st_mode):
            files.append(path)
            continue
        walk = _Walk(path, os.path.realpath(path))
        walk.run(info)
        if not walk.files and not walk.problems:
            walk.problems.append(_problem(path, "folder holds no *.yaml or *.yml file"))
        files += walk.files
        problems += walk.problems
    return files, problems


@dataclass
class _Walk:
    """One folder named on the command line, walked."""

    root: Path
    real_root: str
    """Where links may lead: the named folder, its own links resolved."""
    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seen_files: set[_Identity] = field(default_factory=set)
    seen_folders: set[_Identity] = field(default_factory=set)

    def run(self, info: os.stat_result) -> None:
        """Depth first, each folder's entries in sorted order, with an explicit stack (a deep
        tree must not reach Python's recursion limit). Each frame carries the folders above it,
        which is what makes a link a loop."""
        identity = (info.st_dev, info.st_ino)
        self.seen_folders.add(identity)
        stack = [(self.root, iter(self._entries(self.root)), info.st_dev, frozenset({identity}))]
        while stack:
            folder, entries, device, above = stack[-1]
            entry = next(entries, None)
            if entry is None:
                stack.pop()
                continue
            found = self._entry(entry, Path(folder, entry.name), device, above)
            if found is not None:
                sub, sub_device, sub_above = found
                stack.append((sub, iter(self._entries(sub)), sub_device, sub_above))

    def _entries(self, folder: Path) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(folder) as listing:
                entries = [entry for entry in listing if not entry.name.startswith(".")]
        except OSError as exc:
            self.problems.append(_problem(folder, f"cannot be read: {exc.strerror or exc}"))
            return []
        return sorted(entries, key=lambda entry: entry.name)

    def _entry(self, entry: os.DirEntry[str], path: Path, device: int,
               above: frozenset[_Identity]) -> tuple[Path, int, frozenset[_Identity]] | None:
        """Add a file, or return a folder to walk later (in its sorted place)."""
        try:
            if entry.is_symlink():
                return self._link(path, above)
            if entry.is_dir(follow_symlinks=False):
                info = entry.stat(follow_symlinks=False)
                return self._folder(path, info, above)
            if not is_yaml_name(entry.name):
                return None
            if entry.is_file(follow_symlinks=False):
                self._file(path, (device, entry.inode()))
            else:
                self.problems.append(_problem(path, "is not a regular file; not read"))
        except OSError as exc:
            self.problems.append(_problem(path, f"cannot be read: {exc.strerror or exc}"))
        return None

    def _link(self, path: Path, above: frozenset[_Identity],
              ) -> tuple[Path, int, frozenset[_Identity]] | None:
        try:
            info = path.stat()
        except OSError:
            if is_yaml_name(path.name):
                self.problems.append(_problem(path, "is a broken link; not followed"))
            return None
        is_folder = stat.S_ISDIR(info.st_mode)
        if not is_folder and not is_yaml_name(path.name):
            return None
        target = os.path.realpath(path)
        if os.path.commonpath([target, self.real_root]) != self.real_root:
            what = "folder" if is_folder else "file"
            self.problems.append(_problem(path, f"is a link to a {what} outside {self.root}; "
                                          "not followed"))
            return None
        if is_folder:
            return self._folder(path, info, above)
        if stat.S_ISREG(info.st_mode):
            self._file(path, (info.st_dev, info.st_ino))
        else:
            self.problems.append(_problem(path, "is not a regular file; not read"))
        return None

    def _folder(self, path: Path, info: os.stat_result, above: frozenset[_Identity],
                ) -> tuple[Path, int, frozenset[_Identity]] | None:
        identity = (info.st_dev, info.st_ino)
        if identity in above:
            self.problems.append(_problem(path, "is a link back to a folder it is in (a loop); "
                                          "not followed"))
            return None
        if identity in self.seen_folders:
            return None  # reached before through another link: walked once
        self.seen_folders.add(identity)
        return path, info.st_dev, above | {identity}

    def _file(self, path: Path, identity: _Identity) -> None:
        if identity not in self.seen_files:
            self.seen_files.add(identity)
            self.files.append(path)


def _problem(path: Path, message: str) -> Problem:
    return Problem(str(path), "", message, code="io")

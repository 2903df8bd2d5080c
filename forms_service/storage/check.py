"""Verify a data directory, and repair damaged journals from their intact lines."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import files
from .errors import CorruptData, os_errors
from .journal import journal_lines
from .layout import LOCK_NAME, V1_NAME, journal_names, journal_path
from .locks import StoreLock
from .migration import read_v1
from .state import TableState, pending_append, replay_lenient

__all__ = ["CheckReport", "check"]


@dataclass
class CheckReport:
    """What check() found.

    ok: no problem found; problems: French, one per damaged line or file;
    records: intact documents; recovered: intact documents of damaged files
    (what repair keeps); repaired: repair=True rewrote the damaged files.
    """

    ok: bool = True
    problems: list[str] = field(default_factory=list)
    records: int = 0
    recovered: int = 0
    repaired: bool = False

    def __str__(self) -> str:
        if self.ok:
            return f"Données intactes : {self.records} enregistrement(s)."
        lines = [f"{len(self.problems)} problème(s) :", *(f"- {p}" for p in self.problems)]
        lines.append(f"{self.records} enregistrement(s) intact(s), dont {self.recovered} "
                     "dans des fichiers endommagés.")
        lines.append("Réparé." if self.repaired else "Relancez avec --repair pour réparer.")
        return "\n".join(lines)


def check(data_dir: str | Path, repair: bool = False) -> CheckReport:
    """Verify every data file; with repair, rewrite damaged journals from their intact lines."""
    directory = Path(data_dir)
    report = CheckReport()
    if not directory.is_dir():
        report.ok = False
        report.problems.append(f"Répertoire de données absent : {directory}")
        return report
    with StoreLock(directory / LOCK_NAME), os_errors(directory):
        _check_temp_files(directory, report, repair)
        _check_v1(directory, report)
        for name in journal_names(directory):
            _check_journal(directory, name, report, repair)
    report.ok = not report.problems
    report.repaired = repair and not report.ok
    return report


def _check_temp_files(directory: Path, report: CheckReport, repair: bool) -> None:
    leftovers = [entry.name for entry in os.scandir(directory) if files.is_temp_name(entry.name)]
    for name in leftovers:
        report.problems.append(f"{name} : fichier temporaire laissé par un arrêt brutal")
    if repair and leftovers:
        files.remove_temp_files(directory)


def _check_v1(directory: Path, report: CheckReport) -> None:
    v1 = directory / V1_NAME
    if not v1.exists():
        return
    try:
        tables = read_v1(v1)
    except CorruptData as exc:
        report.problems.append(f"{V1_NAME} : {exc.detail} ; restaurez une sauvegarde")
        return
    report.records += sum(len(docs) for docs in tables.values())


def _check_journal(directory: Path, name: str, report: CheckReport, repair: bool) -> None:
    state = TableState(name, journal_path(directory, name))
    data = state.path.read_bytes()
    problems = replay_lenient(state, data)
    report.records += len(state.docs)
    if not problems:
        return
    torn_at = data.rfind(b"\n") + 1
    if not data.endswith(b"\n") and pending_append(directory) == (name, torn_at):
        problems[-1] += " ; jamais confirmée, elle sera retirée à la prochaine ouverture"
    report.problems.extend(problems)
    report.recovered += len(state.docs)
    if repair:
        next_id = max([state.next_id, *(int(key) + 1 for key in state.docs)])
        lines = journal_lines(name, next_id, state.docs, state.dropped and not state.docs)
        os.close(files.replace_file(state.path, lines))

"""Verify a data directory, and repair damaged journals from their intact lines.

A repair never goes back in time without saying so: a record whose newest
version sits on a damaged line would come back as its previous version (an
old password, an address before its change, a message not yet « envoyé »).
``check`` names each such record and the version it would keep, and
``repair`` refuses to do it unless ``force`` is given. The damaged lines are
always set aside in ``SET_ASIDE_NAME/`` (readable by the owner only) for
inspection; erasure and purge cover that folder.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import files
from .errors import CorruptData, os_errors
from .journal import journal_lines, parse_lines, salvage_id
from .layout import LOCK_NAME, SET_ASIDE_NAME, V1_NAME, journal_names, journal_path
from .locks import StoreLock
from .migration import read_v1
from .state import TableState, pending_append, replay_lenient

__all__ = ["CheckReport", "check"]


@dataclass
class CheckReport:
    """What check() found.

    ok: no problem found; problems: French, one per damaged line or file;
    rollbacks: French, one per record whose newest version is unreadable (what
    a repair would take back); records: intact documents; recovered: intact
    documents of damaged files (what repair keeps); repaired: the damaged
    files were rewritten; refused: a repair was asked for but would roll
    records back without ``force``; set_aside: where the damaged lines went.
    """

    ok: bool = True
    problems: list[str] = field(default_factory=list)
    rollbacks: list[str] = field(default_factory=list)
    records: int = 0
    recovered: int = 0
    repaired: bool = False
    refused: bool = False
    set_aside: list[Path] = field(default_factory=list)

    def __str__(self) -> str:
        if self.ok:
            return f"Données intactes : {self.records} enregistrement(s)."
        lines = [f"{len(self.problems)} problème(s) :", *(f"- {p}" for p in self.problems)]
        lines += [f"- {r}" for r in self.rollbacks]
        lines.append(f"{self.records} enregistrement(s) intact(s), dont {self.recovered} "
                     "dans des fichiers endommagés.")
        if self.repaired:
            lines.append("Réparé.")
        elif self.refused:
            lines.append("Non réparé : relancez avec --repair --force pour revenir à ces versions.")
        else:
            lines.append("Relancez avec --repair pour réparer.")
        return "\n".join(lines)


def check(data_dir: str | Path, repair: bool = False, force: bool = False) -> CheckReport:
    """Verify every data file; with repair, rewrite damaged journals from their intact lines.

    A repair that would bring back an older version of a record is refused
    (``refused``) unless ``force``.
    """
    directory = Path(data_dir)
    report = CheckReport()
    if not directory.is_dir():
        report.ok = False
        report.problems.append(f"Répertoire de données absent : {directory}")
        return report
    with StoreLock(directory / LOCK_NAME), os_errors(directory):
        damaged = [_check_journal(directory, name, report) for name in journal_names(directory)]
        report.refused = repair and bool(report.rollbacks) and not force
        if repair and not report.refused:
            _check_temp_files(directory, report, repair=True)
            for state, lines in filter(None, damaged):
                report.set_aside.append(_set_aside(directory, state.name, lines))
                _rewrite(state)
        else:
            _check_temp_files(directory, report, repair=False)
        _check_v1(directory, report)
    report.ok = not report.problems
    report.repaired = repair and not report.ok and not report.refused
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


def _check_journal(directory: Path, name: str, report: CheckReport
                   ) -> tuple[TableState, list[bytes]] | None:
    """Check one journal; return its state and damaged lines when it needs a repair."""
    state = TableState(name, journal_path(directory, name))
    data = state.path.read_bytes()
    problems = replay_lenient(state, data)
    report.records += len(state.docs)
    if not problems:
        return None
    torn_at = data.rfind(b"\n") + 1
    never_acknowledged = not data.endswith(b"\n") and pending_append(directory) == (name, torn_at)
    if never_acknowledged:
        problems[-1] += " ; jamais confirmée, elle sera retirée à la prochaine ouverture"
    report.problems.extend(problems)
    report.recovered += len(state.docs)
    damaged, rollbacks = _damaged_lines(state, data, never_acknowledged)
    report.rollbacks.extend(rollbacks)
    return state, damaged


def _damaged_lines(state: TableState, data: bytes, torn_tail_is_new: bool
                   ) -> tuple[list[bytes], list[str]]:
    """Return the damaged lines, and one French line per record a repair would take back.

    A record goes back when a damaged line about it comes after its last
    intact one; a damaged line whose record cannot be told might be anyone's
    newest version. A torn last line never acknowledged was never anyone's.
    """
    last_intact: dict[int, int] = {}
    damaged_after: dict[int, int] = {}
    damaged: list[bytes] = []
    unknown: list[int] = []
    parsed = list(parse_lines(data, 1))
    for lineno, line, record, _problem in parsed:
        if record is not None:
            if record.get("op") == "put":
                last_intact[record["id"]] = lineno
            continue
        damaged.append(line)
        if torn_tail_is_new and lineno == len(parsed):
            continue
        doc_id = salvage_id(line)
        if doc_id:
            damaged_after[doc_id] = lineno
        else:
            unknown.append(lineno)
    name = state.path.name
    rollbacks = []
    for doc_id, lineno in sorted(damaged_after.items()):
        kept = last_intact.get(doc_id, 0)
        if kept > lineno:
            continue  # a later intact version: nothing goes back
        if str(doc_id) in state.docs:
            rollbacks.append(f"{name} : enregistrement {doc_id}, dernière version illisible "
                             f"(ligne {lineno}) ; la réparation garderait sa version précédente "
                             f"(ligne {kept})")
        else:
            rollbacks.append(f"{name} : enregistrement {doc_id}, seule version illisible "
                             f"(ligne {lineno}) ; la réparation le supprimerait")
    rollbacks += [f"{name}, ligne {lineno} : enregistrement inconnu illisible ; la réparation "
                  "pourrait revenir en arrière" for lineno in unknown]
    return damaged, rollbacks


def _set_aside(directory: Path, name: str, lines: list[bytes]) -> Path:
    """Keep the damaged lines of a journal in a file only the owner reads."""
    folder = directory / SET_ASIDE_NAME
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"{name}-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, b"".join(line + b"\n" for line in lines))
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def _rewrite(state: TableState) -> None:
    next_id = max([state.next_id, *(int(key) + 1 for key in state.docs)])
    lines = journal_lines(state.name, next_id, state.docs, state.dropped and not state.docs)
    os.close(files.replace_file(state.path, lines))

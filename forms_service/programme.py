"""Load and check ``programme.yml``: what each organisation configures.

The file is read at build time (the forms' choices) and at start-up. Any
mistake stops both with a French message naming the file and the line, so
a coordinator can fix it without reading a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .i18n import _

__all__ = ["Programme", "ProgrammeError", "load_programme", "WEIGHT_NAMES"]

LIST_KEYS = ("departements", "sites", "competences", "langues")
WEIGHT_NAMES = ("competences", "disponibilites", "rythme", "departement", "experience")
KNOWN_KEYS = {"version_notice", "points_etape", "domaines_email", "poids", *LIST_KEYS}


class ProgrammeError(ValueError):
    """``programme.yml`` is missing or wrong; ``str()`` says where and why."""


@dataclass(frozen=True)
class Programme:
    """What the coordination configured: lists, schedule, weights."""

    notice_version: str
    departments: tuple[str, ...]
    sites: tuple[str, ...]
    skills: tuple[str, ...]
    languages: tuple[str, ...]
    checkpoints: tuple[int, ...]
    email_domains: tuple[str, ...]
    weights: dict

    def accepts_email(self, email: str) -> bool:
        if not self.email_domains:
            return True
        domain = email.rpartition("@")[2].casefold()
        return any(domain == d.casefold() for d in self.email_domains)


def _fail(path: Path, node, message: str) -> ProgrammeError:
    line = node.start_mark.line + 1 if node is not None else 1
    return ProgrammeError(_("%(path)s, ligne %(line)d : %(message)s")
                          % {"path": path, "line": line, "message": message})


def _mapping(root) -> dict:
    return {key.value: (key, value) for key, value in root.value}


def _text_list(path: Path, name: str, node, *, allow_empty: bool = False) -> tuple[str, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise _fail(path, node, _("« %(key)s » doit être une liste (une ligne « - valeur » par élément).")
                    % {"key": name})
    values = []
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
            raise _fail(path, item, _("« %(key)s » : chaque élément doit être un texte non vide.")
                        % {"key": name})
        values.append(str(item.value).strip())
    if not values and not allow_empty:
        raise _fail(path, node, _("« %(key)s » ne peut pas être vide.") % {"key": name})
    duplicates = {v for v in values if values.count(v) > 1}
    if duplicates:
        raise _fail(path, node, _("« %(key)s » contient des doublons : %(values)s.")
                    % {"key": name, "values": ", ".join(sorted(duplicates))})
    return tuple(values)


def _checkpoints(path: Path, node) -> tuple[int, ...]:
    months = []
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            try:
                months.append(int(item.value))
            except (TypeError, ValueError):
                raise _fail(path, item, _("« points_etape » : « %(value)s » n'est pas un nombre de mois.")
                            % {"value": item.value}) from None
    if not months or any(m <= 0 or m > 36 for m in months) or months != sorted(set(months)):
        raise _fail(path, node, _("« points_etape » doit lister des mois croissants entre 1 et 36, "
                                  "par exemple [1, 3, 6]."))
    return tuple(months)


def _weights(path: Path, node) -> dict:
    if not isinstance(node, yaml.MappingNode):
        raise _fail(path, node, _("« poids » doit associer chaque critère à un nombre."))
    weights = {}
    for key, value in node.value:
        if key.value not in WEIGHT_NAMES:
            raise _fail(path, key, _("critère inconnu « %(key)s » dans « poids » (attendus : %(names)s).")
                        % {"key": key.value, "names": ", ".join(WEIGHT_NAMES)})
        try:
            weight = float(value.value)
        except (TypeError, ValueError):
            weight = -1
        if not 0 <= weight <= 100:
            raise _fail(path, value, _("le poids de « %(key)s » doit être un nombre entre 0 et 100.")
                        % {"key": key.value})
        weights[key.value] = weight
    return {name: weights.get(name, 1.0) for name in WEIGHT_NAMES}


def load_programme(path: str | Path) -> Programme:
    """Read and check the programme file; raise ``ProgrammeError`` on any mistake."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProgrammeError(_("%(path)s : fichier illisible (%(error)s).")
                             % {"path": path, "error": error}) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise ProgrammeError(_("%(path)s, ligne %(line)d : syntaxe YAML invalide (%(problem)s).")
                             % {"path": path, "line": line,
                                "problem": getattr(error, "problem", error)}) from None
    if not isinstance(root, yaml.MappingNode):
        raise _fail(path, root, _("le fichier doit contenir des clés comme « departements : »."))
    entries = _mapping(root)
    for name, (key, _value) in entries.items():
        if name not in KNOWN_KEYS:
            raise _fail(path, key, _("clé inconnue « %(key)s » (clés possibles : %(keys)s).")
                        % {"key": name, "keys": ", ".join(sorted(KNOWN_KEYS))})
    for name in ("version_notice", "points_etape", *LIST_KEYS):
        if name not in entries:
            raise _fail(path, root, _("la clé « %(key)s » est obligatoire.") % {"key": name})
    lists = {name: _text_list(path, name, entries[name][1]) for name in LIST_KEYS}
    domains = entries.get("domaines_email")
    return Programme(
        notice_version=str(entries["version_notice"][1].value).strip(),
        departments=lists["departements"],
        sites=lists["sites"],
        skills=lists["competences"],
        languages=lists["langues"],
        checkpoints=_checkpoints(path, entries["points_etape"][1]),
        email_domains=_text_list(path, "domaines_email", domains[1], allow_empty=True) if domains else (),
        weights=_weights(path, entries["poids"][1]) if "poids" in entries else
        {name: 1.0 for name in WEIGHT_NAMES},
    )

"""Load and check ``programme.yml``: what each organisation configures.

The file is read at build time (the forms' choices) and at start-up. Any
mistake stops both with a French message naming the file and the line, so
a coordinator can fix it without reading a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .config import Settings
from .i18n import _

__all__ = ["Programme", "ProgrammeError", "load_programme", "WEIGHT_NAMES", "CONTACT_NAMES"]

LIST_KEYS = ("departements", "sites", "competences", "langues")
WEIGHT_NAMES = ("competences", "disponibilites", "rythme", "departement", "experience",
                "preference")
# A weight left out counts 1, but the mentees' choices count only when asked for.
WEIGHT_DEFAULTS = {"preference": 0.0}
# Who a participant turns to; pages name them with <!-- contact: clé -->.
CONTACT_NAMES = ("coordination", "responsable_traitement", "dpo", "medecine_travail",
                 "referent_harcelement", "referent_harcelement_cse", "alerte_professionnelle",
                 "outils", "ateliers", "espace_partage", "support_informatique")
TOOL_NAMES = ("visio", "messagerie", "ia")
# Days each kind of data is kept; `mentorat purge` and the privacy notice read them. The
# keys of these defaults are the only names « conservation » and « relances » accept.
RETENTION_DEFAULTS = {"inscriptions_jours": 365, "courriels_envoyes_jours": 90,
                      "journal_jours": 365, "sauvegardes_jours": 30,
                      "retours_anonymes_jours": 730}
# When a silent pair gets a nudge, when the coordination hears of it, how long an
# introduction may be declined, when someone still unmatched hears what comes next: days.
FOLLOWUP_DEFAULTS = {"silence_jours": 30, "alerte_jours": 45, "refus_jours": 14,
                     "sans_binome_jours": 60}
# Steps a mentor passes before joining the pool, when the programme asks for them; both
# off in the shipped file, so a first run proposes every mentor at once.
SELECTION_DEFAULTS = {"entretien_mentors": False, "formation_requise": False}
# The time one person gives the programme: one rule the whole guide states the same way
# (hours a month, preparation included; on working time or not; the manager asked or
# only told). The shipped values: 2 hours, on working time, the manager informed.
TIME_DEFAULTS = {"heures_par_mois": 2, "sur_temps_de_travail": True,
                 "accord_responsable": False}
KNOWN_KEYS = {"version_notice", "points_etape", "domaines_email", "poids", "contacts",
              "conservation", "relances", "selection", "temps", *LIST_KEYS}


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
    # "coordination", "dpo"…, and "outils.visio", "outils.messagerie": non-empty texts.
    contacts: dict = field(default_factory=dict)
    retention: dict = field(default_factory=lambda: dict(RETENTION_DEFAULTS))
    followup: dict = field(default_factory=lambda: dict(FOLLOWUP_DEFAULTS))
    selection: dict = field(default_factory=lambda: dict(SELECTION_DEFAULTS))
    time: dict = field(default_factory=lambda: dict(TIME_DEFAULTS))

    def accepts_email(self, email: str) -> bool:
        if not self.email_domains:
            return True
        local, _at, domain = email.rpartition("@")
        # « a%evil.fr@exemple.fr » and « a!evil.fr@exemple.fr » are relayed elsewhere by
        # some mail servers: with domains restricted, the local part carries no routing.
        if "%" in local or "!" in local:
            return False
        return any(domain.casefold() == d.casefold() for d in self.email_domains)


def _fail(path: Path, node, message: str, *, line: int | None = None) -> ProgrammeError:
    if line is None:
        line = node.start_mark.line + 1 if node is not None else 1
    return ProgrammeError(_("%(path)s, ligne %(line)d : %(message)s")
                          % {"path": path, "line": line, "message": message})


def _mapping(root) -> dict:
    return {key.value: (key, value) for key, value in root.value}


def _stray_item_line(item) -> int | None:
    """The line (1-based) of a list item YAML folded into the item above, or None.

    « - Lyon » followed by «   - Paris » indented further is read by YAML as one
    text, « Lyon - Paris »: a plain (unquoted) text spanning lines, one of which
    starts with « - ». A « - » inside one line (« Ressources humaines - Paie ») is
    a legitimate name and is kept.
    """
    if item.style is not None or item.start_mark.line == item.end_mark.line:
        return None
    source = item.start_mark.buffer
    if source is None:
        return None
    lines = source[item.start_mark.index:item.end_mark.index].split("\n")
    for offset, text in enumerate(lines[1:], start=1):
        if re.match(r"\s*-(\s|$)", text):
            return item.start_mark.line + offset + 1
    return None


def _text_list(path: Path, name: str, node, *, allow_empty: bool = False) -> tuple[str, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise _fail(path, node, _("« %(key)s » doit être une liste (une ligne « - valeur » par élément).")
                    % {"key": name})
    values = []
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
            raise _fail(path, item, _("« %(key)s » : chaque élément doit être un texte non vide.")
                        % {"key": name})
        stray = _stray_item_line(item)
        if stray is not None:
            raise _fail(path, item, _("« %(key)s » : « %(value)s » devrait être plusieurs "
                                      "éléments. Chaque élément va sur sa propre ligne, qui "
                                      "commence par « - », alignée sur les autres lignes de la "
                                      "liste.") % {"key": name, "value": item.value},
                        line=stray)
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
    return {name: weights.get(name, WEIGHT_DEFAULTS.get(name, 1.0)) for name in WEIGHT_NAMES}


_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def _text(path: Path, name: str, node) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise _fail(path, node, _("« %(key)s » doit être un texte non vide.") % {"key": name})
    return str(node.value).strip()


def _contacts(path: Path, node) -> dict:
    if not isinstance(node, yaml.MappingNode):
        raise _fail(path, node, _("« contacts » doit associer chaque contact à sa valeur, "
                                  "par exemple « coordination: mentorat@exemple.fr »."))
    contacts = {}
    for key, value in node.value:
        if key.value not in CONTACT_NAMES:
            raise _fail(path, key, _("contact inconnu « %(key)s » (attendus : %(names)s).")
                        % {"key": key.value, "names": ", ".join(CONTACT_NAMES)})
        if key.value == "outils":
            if not isinstance(value, yaml.MappingNode):
                raise _fail(path, value, _("« contacts.outils » doit donner « visio », "
                                           "« messagerie » et, s’il y en a un, « ia »."))
            for tool_key, tool in value.value:
                if tool_key.value not in TOOL_NAMES:
                    raise _fail(path, tool_key, _("outil inconnu « %(key)s » (attendus : "
                                                  "%(names)s).")
                                % {"key": tool_key.value, "names": ", ".join(TOOL_NAMES)})
                name = f"outils.{tool_key.value}"
                contacts[name] = _text(path, f"contacts.{name}", tool)
            continue
        contacts[key.value] = _text(path, f"contacts.{key.value}", value)
    coordination = contacts.get("coordination")
    if coordination is not None and not _EMAIL.match(coordination):
        line_node = next(v for k, v in node.value if k.value == "coordination")
        raise _fail(path, line_node, _("« contacts.coordination » doit être une adresse "
                                       "électronique, par exemple mentorat@exemple.fr."))
    return contacts


def _settings(path: Path, node, section: str, defaults: dict, *, shape: str, unknown: str,
              read) -> dict:
    """A section of named settings (``conservation``, ``selection``, ``temps``…): each name
    one of ``defaults``, each value read by ``read(name, node)``, the defaults for the rest.
    ``shape`` says what the section must look like, ``unknown`` names an unknown key."""
    if not isinstance(node, yaml.MappingNode):
        raise _fail(path, node, shape)
    found = dict(defaults)
    for key, value in node.value:
        if key.value not in defaults:
            raise _fail(path, key, unknown % {"key": key.value, "section": section,
                                              "names": ", ".join(defaults)})
        found[key.value] = read(key.value, value)
    return found


def _whole_number(path: Path, value, low: int, high: int, message: str) -> int:
    try:
        number = int(value.value)
    except (TypeError, ValueError):
        number = 0
    if not low <= number <= high:
        raise _fail(path, value, message)
    return number


def _days(path: Path, node, section: str, defaults: dict, maximum: int) -> dict:
    """A section mapping names to numbers of days (``conservation``, ``relances``)."""
    first = next(iter(defaults))
    return _settings(
        path, node, section, defaults,
        shape=_("« %(section)s » doit associer chaque durée à un nombre de jours, par exemple "
                "« %(key)s: %(days)d ».") % {"section": section, "key": first,
                                              "days": defaults[first]},
        unknown=_("durée inconnue « %(key)s » dans « %(section)s » (attendues : %(names)s)."),
        read=lambda key, value: _whole_number(
            path, value, 1, maximum, _("« %(section)s.%(key)s » doit être un nombre de jours "
                                       "entre 1 et %(maximum)d.")
            % {"section": section, "key": key, "maximum": maximum}))


def _selection(path: Path, node) -> dict:
    return _settings(
        path, node, "selection", SELECTION_DEFAULTS,
        shape=_("« selection » doit dire, pour chaque étape, « oui » ou « non », par exemple "
                "« entretien_mentors: non »."),
        unknown=_("étape inconnue « %(key)s » dans « selection » (attendues : %(names)s)."),
        read=lambda key, value: _yes_no(path, f"selection.{key}", value))


def _yes_no(path: Path, name: str, value) -> bool:
    answer = str(value.value).strip().lower() if isinstance(value, yaml.ScalarNode) else ""
    if answer not in ("oui", "non", "true", "false"):
        raise _fail(path, value, _("« %(key)s » : écrivez « oui » ou « non ».") % {"key": name})
    return answer in ("oui", "true")


def _time(path: Path, node) -> dict:
    def read(key: str, value):
        if key == "heures_par_mois":
            return _whole_number(path, value, 1, 20, _(
                "« temps.heures_par_mois » doit être un nombre entier d'heures entre 1 et 20, "
                "par exemple 2."))
        return _yes_no(path, f"temps.{key}", value)

    return _settings(
        path, node, "temps", TIME_DEFAULTS,
        shape=_("« temps » doit dire combien d'heures par mois le mentorat demande et s'il se "
                "tient sur le temps de travail, par exemple « heures_par_mois: 2 » et "
                "« sur_temps_de_travail: oui »."),
        unknown=_("réglage inconnu « %(key)s » dans « temps » (attendus : %(names)s)."),
        read=read)


def _retention(path: Path, node) -> dict:
    return _days(path, node, "conservation", RETENTION_DEFAULTS, 3650)


def _followup(path: Path, node) -> dict:
    days = _days(path, node, "relances", FOLLOWUP_DEFAULTS, 365)
    if days["alerte_jours"] <= days["silence_jours"]:
        raise _fail(path, node, _("« relances.alerte_jours » doit dépasser "
                                  "« relances.silence_jours » : la coordination est prévenue "
                                  "après la relance, pas avant."))
    return days


def configured_programme() -> Programme:
    """The programme the settings name (``MENTORAT_PROGRAMME``), read and checked: for the
    build's hooks, which have no application."""
    return load_programme(Settings.from_env().programme)


QUOTED_VALUE = re.compile(r"""^\s*(?:-\s+|[^:#]+:\s+)(["'])(.*)$""")


def _unclosed_quote_line(text: str, before: int) -> int | None:
    """The first line (1-based, up to ``before``) whose value opens a quote it never closes.

    PyYAML reads on to the next quote, often far below, and reports that line."""
    for number, line in enumerate(text.splitlines()[:before], start=1):
        found = QUOTED_VALUE.match(line)
        if found and not found.group(2).split(" #")[0].rstrip().endswith(found.group(1)):
            return number
    return None


def _yaml_error(path: Path, text: str, error: yaml.YAMLError) -> ProgrammeError:
    """PyYAML explains in English and in its own terms: say it in French, with the line."""
    problem = str(getattr(error, "problem", "") or "")
    context = str(getattr(error, "context", "") or "")
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark else 1
    quote = _unclosed_quote_line(text, line)
    if quote is not None:
        line, hint = quote, _("un guillemet ouvert n'est pas refermé sur cette ligne")
    elif "'\\t'" in problem:
        hint = _("une tabulation sert d'indentation : indentez avec des espaces")
    elif "flow" in context or "end of stream" in problem:
        hint = _("une liste entre crochets [ ] est mal écrite : des virgules entre les "
                 "valeurs, et le crochet fermant")
    elif "another document" in problem:
        hint = _("le fichier contient une ligne « --- » : retirez-la, il ne doit contenir "
                 "qu'un seul programme")
    elif "alias" in problem:
        hint = _("une valeur qui commence par « * » ou « & » doit être entre guillemets")
    elif "mapping values are not allowed" in problem:
        hint = _("un deux-points est de trop sur la ligne : mettez la valeur entre guillemets "
                 "si elle en contient un")
    else:
        if "simple key" in context and getattr(error, "context_mark", None):
            line = error.context_mark.line + 1  # where the key without its colon starts
        hint = _("un deux-points ou une indentation manque peut-être")
    return ProgrammeError(_("%(path)s, ligne %(line)d : la syntaxe YAML n'est pas valide "
                            "(%(hint)s).") % {"path": path, "line": line, "hint": hint})


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
        raise _yaml_error(path, text, error) from None
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
        {name: WEIGHT_DEFAULTS.get(name, 1.0) for name in WEIGHT_NAMES},
        contacts=_contacts(path, entries["contacts"][1]) if "contacts" in entries else {},
        retention=_retention(path, entries["conservation"][1]) if "conservation" in entries
        else dict(RETENTION_DEFAULTS),
        followup=_followup(path, entries["relances"][1]) if "relances" in entries
        else dict(FOLLOWUP_DEFAULTS),
        selection=_selection(path, entries["selection"][1]) if "selection" in entries
        else dict(SELECTION_DEFAULTS),
        time=_time(path, entries["temps"][1]) if "temps" in entries else dict(TIME_DEFAULTS),
    )

"""What every ``mentorat`` command shares: settings, messages, the data directory, French help.

Split from ``commands`` so the command modules (``commands``, ``accounts``) import
it without importing each other.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..config import ConfigError, Settings
from ..i18n import _
from ..typography import french_spacing

__all__ = ["Failure", "say", "epilog", "Group", "IsoDate", "_settings", "_data_dir",
           "_repository"]


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as error:
        raise Failure(str(error)) from None


class Failure(click.ClickException):
    """A failure the operator can fix, said in French on stderr (exit code 1)."""

    def show(self, file=None) -> None:
        click.echo(french_spacing(_("Erreur : %(message)s") % {"message": self.format_message()}),
                   err=True)


def say(message: str) -> None:
    click.echo(message, err=True)


def _data_dir(settings: Settings, *, create: bool = False) -> Path:
    """Say which data directory the command uses; create it, or refuse a missing one.

    Only the commands that start something (serve, demo, coordinator add,
    restore) create it: any other command on a mistyped path would otherwise
    read an empty new directory and report « 0 » as if all were well.
    """
    data_dir = settings.data_dir
    say(_("Répertoire de données : %(dir)s") % {"dir": data_dir})
    if create:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    elif not data_dir.is_dir():
        raise Failure(_(
            "le répertoire de données %(dir)s n'existe pas. Indiquez le bon avec "
            "MENTORAT_DATA_DIR, ou créez-le en lançant « mentorat serve », « mentorat demo », "
            "« mentorat coordinator add » ou « mentorat restore ».") % {"dir": data_dir})
    return data_dir


class FrenchHelpFormatter(click.HelpFormatter):
    """Click's help layout, with French headings (« Options : »)."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading} :\n")


class Context(click.Context):
    formatter_class = FrenchHelpFormatter


class Command(click.Command):
    context_class = Context

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", _("[OPTIONS]"))
        super().__init__(*args, **kwargs)


class Group(click.Group):
    context_class = Context
    command_class = Command
    group_class = type

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", _("[OPTIONS]"))
        kwargs.setdefault("subcommand_metavar", _("COMMANDE [ARGUMENTS]..."))
        super().__init__(*args, **kwargs)


def epilog(*names: str) -> str:
    """The help's last paragraph: the settings a command reads (README, « Configuration »)."""
    return _("Variables lues : %(names)s (voir «\u00a0Configuration\u00a0» dans le README).") % {
        "names": ", ".join(f"MENTORAT_{name}" for name in names)}


class IsoDate(click.ParamType):
    """A day written AAAA-MM-JJ."""

    name = "date"

    def get_metavar(self, param, ctx=None) -> str:
        return _("AAAA-MM-JJ")

    def convert(self, value, param, ctx):
        from datetime import date

        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(_("« %(value)s » n'est pas une date AAAA-MM-JJ (par exemple 2027-03-15).")
                      % {"value": value}, param, ctx)


def _repository(*, create: bool = False):
    from ..records.repository import Repository
    from ..storage import StorageError

    settings = _settings()
    try:
        return Repository(_data_dir(settings, create=create))
    except StorageError as error:
        raise Failure(str(error)) from None

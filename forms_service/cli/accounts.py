"""``mentorat coordinator add|list|remove|password|reset-mfa``: the coordination's accounts.

``cli`` adds this group to the ``mentorat`` command. A new password follows
the area's rule (``coordination.password_policy``: 12 characters or more, not
a common or breached one). Every change is audited with the account's id
(author: the command line), never its address.
"""

from __future__ import annotations

import sys

import click

from ..i18n import _
from .common import Failure, Group, _repository, epilog, say

__all__ = ["coordinator"]


@click.group(cls=Group, short_help=_("Gérer les comptes de la coordination."),
            help=_("Gérer les comptes de la coordination (accès à /coordination/)."),
            epilog=epilog("DATA_DIR"))
def coordinator() -> None:
    """The coordinator-account subcommands."""


def _read_password(password_stdin: bool, email: str) -> str:
    """Read the new password and apply the rule; the refusal says why, never the password."""
    from ..coordination.password_policy import password_problem

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(_("Mot de passe"), hide_input=True, prompt_suffix="\u00a0: ",
                                confirmation_prompt=_("Répétez le mot de passe"), err=True)
    problem = password_problem(password, email)
    if problem:
        raise Failure(problem)
    return password


def _valid_email(email: str) -> str:
    email = email.strip()
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain) or any(c.isspace() for c in email):
        raise Failure(_("« %(email)s » n'est pas une adresse électronique.")
                                   % {"email": email})
    return email


PASSWORD_STDIN_HELP = _("Lire le mot de passe sur l'entrée standard (une ligne) au lieu de le "
                        "demander.")
EMAIL = _("ADRESSE")


@coordinator.command("add", short_help=_("Créer un compte."),
                     help=_("Créer le compte ADRESSE (mot de passe demandé deux fois, 12 "
                            "caractères ou plus, refusé s'il figure parmi les mots de passe "
                            "courants ou divulgués). Crée le répertoire de données s'il "
                            "manque."),
                     epilog=epilog("DATA_DIR"))
@click.argument("email", metavar=EMAIL)
@click.option("--password-stdin", is_flag=True, help=PASSWORD_STDIN_HELP)
def coordinator_add(email: str, password_stdin: bool) -> None:
    from ..coordination.auth import hash_password

    email = _valid_email(email)
    repo = _repository(create=True)
    try:
        if repo.coordinator_by_email(email) is not None:
            raise Failure(_("Un compte existe déjà pour %(email)s.")
                                       % {"email": email})
        record, created = repo.add_coordinator(email, hash_password(_read_password(
            password_stdin, email)))
        if not created:
            raise Failure(_("Un compte existe déjà pour %(email)s.")
                                       % {"email": email})
        repo.audit(None, "compte_cree", record["id"])
        say(_("Compte créé : %(email)s.") % {"email": record["email"]})
    finally:
        repo.close()


@coordinator.command("list", short_help=_("Lister les comptes."),
                     help=_("Lister les comptes, un par ligne sur la sortie standard : adresse "
                            "et date de création."),
                     epilog=epilog("DATA_DIR", "TIMEZONE"))
def coordinator_list() -> None:
    from ..dates import format_date

    repo = _repository()
    try:
        accounts = repo.list_coordinators()
        for record in accounts:
            click.echo(f"{record['email']}\t{format_date(record.get('created_at'))}")
        say(_("%(n)d compte(s).") % {"n": len(accounts)})
    finally:
        repo.close()


@coordinator.command("remove", short_help=_("Supprimer un compte."),
                     help=_("Supprimer le compte ADRESSE ; ses sessions ouvertes cessent "
                            "aussitôt."),
                     epilog=epilog("DATA_DIR"))
@click.argument("email", metavar=EMAIL)
def coordinator_remove(email: str) -> None:
    repo = _repository()
    try:
        record = repo.coordinator_by_email(email)
        if record is None or not repo.remove_coordinator(email):
            raise Failure(_("Aucun compte pour %(email)s.") % {"email": email})
        repo.audit(None, "compte_supprime", record["id"])
        say(_("Compte supprimé : %(email)s.") % {"email": email.strip().casefold()})
    finally:
        repo.close()


@coordinator.command("password", short_help=_("Changer le mot de passe d'un compte."),
                     help=_("Changer le mot de passe du compte ADRESSE ; ses sessions ouvertes "
                            "prennent fin."),
                     epilog=epilog("DATA_DIR"))
@click.argument("email", metavar=EMAIL)
@click.option("--password-stdin", is_flag=True, help=PASSWORD_STDIN_HELP)
def coordinator_password(email: str, password_stdin: bool) -> None:
    from ..coordination.auth import hash_password

    repo = _repository()
    try:
        record = repo.coordinator_by_email(email)
        if record is None:
            raise Failure(_("Aucun compte pour %(email)s.") % {"email": email})
        repo.set_coordinator_password(record["id"], hash_password(_read_password(
            password_stdin, record["email"])))
        repo.audit(None, "mot_de_passe_change", record["id"])
        say(_("Mot de passe changé pour %(email)s.") % {"email": record["email"]})
    finally:
        repo.close()


@coordinator.command("reset-mfa", short_help=_("Retirer la double authentification d'un compte."),
                     help=_("Retirer la double authentification du compte ADRESSE (téléphone "
                            "perdu, sans code de secours) : son application et ses codes de "
                            "secours cessent de fonctionner, le mot de passe seul ouvre de "
                            "nouveau le compte, jusqu'à ce que la personne en active une "
                            "nouvelle (à sa prochaine connexion si MENTORAT_MFA=required)."),
                     epilog=epilog("DATA_DIR"))
@click.argument("email", metavar=EMAIL)
def coordinator_reset_mfa(email: str) -> None:
    repo = _repository()
    try:
        record = repo.coordinator_by_email(email)
        if record is None:
            raise Failure(_("Aucun compte pour %(email)s.") % {"email": email})
        if not record.get("totp_secret"):
            say(_("%(email)s n'avait pas de double authentification : rien à retirer.")
                % {"email": record["email"]})
            return
        repo.accounts.disable_totp(record["id"])
        repo.audit(None, "mfa_reinitialise", record["id"])
        say(_("Double authentification retirée pour %(email)s.") % {"email": record["email"]})
    finally:
        repo.close()

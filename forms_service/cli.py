"""The ``mentorat`` command: run, build, export, check, back up.

Messages and progress go to stderr, data to stdout, so
``mentorat export enrollment --format csv > inscriptions.csv`` is clean.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from .config import ROOT, ConfigError, Settings
from .i18n import _
from .typography import french_spacing

__all__ = ["main"]


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


@click.group(help=_("Programme de mentorat : site, formulaires et coordination."))
def main() -> None:
    """The command group; each subcommand does the work."""


@main.command(help=_("Construire le site (mkdocs build --strict) et le compresser."))
@click.option("--site-dir", type=click.Path(path_type=Path), default=None)
def build(site_dir: Path | None) -> None:
    site_dir = site_dir or _settings().site_dir
    say(_("Construction du site dans %(dir)s…") % {"dir": site_dir})
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                             "-f", str(ROOT / "mkdocs.yml"), "-d", str(site_dir)],
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    if result.returncode:
        raise Failure(_("La construction du site a échoué (voir ci-dessus)."))
    say(_("Compression (gzip, brotli)…"))
    subprocess.run([sys.executable, "-m", "whitenoise.compress", "--quiet", str(site_dir)],
                   check=True)
    say(_("Site prêt."))


@main.command(help=_("Servir le site, les formulaires et la coordination (gunicorn)."))
def serve() -> None:
    settings = _settings()
    from . import create_app

    try:
        create_app()  # fail here, clearly, rather than in every worker
    except Exception as error:  # noqa: BLE001 - any start-up failure is reported the same way
        raise Failure(str(error)) from None
    if not (settings.site_dir / "index.html").exists():
        raise Failure(_("Le site n'est pas construit : lancez « mentorat build »."))
    say(_("Service prêt sur %(url)s (%(n)d processus).") % {
        "url": f"http://127.0.0.1:{settings.port}", "n": settings.workers})
    os.execvp(sys.executable, [
        sys.executable, "-m", "gunicorn", "--workers", str(settings.workers),
        "--bind", f"127.0.0.1:{settings.port}", "--access-logfile", "-",
        # Log lines carry paths, never the bodies people submitted, nor query strings
        # (a personal "Mon inscription" link is a credential).
        "--access-logformat", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss',
        "forms_service.wsgi:app",
    ])


@main.command("send-mail", help=_("Envoyer les messages en attente dans outbox/ (cron)."))
def send_mail() -> None:
    from .mail import Outbox

    settings = _settings()
    if not settings.smtp_host:
        raise Failure(_("MENTORAT_SMTP_HOST n'est pas défini : rien n'est envoyé."))
    sent, waiting = Outbox(settings).send_pending()
    say(_("%(sent)d message(s) envoyé(s), %(waiting)d en attente.") % {"sent": sent,
                                                                       "waiting": waiting})
    if waiting:
        sys.exit(1)


def _repository():
    from .repository import Repository
    from .storage import StorageError

    try:
        return Repository(_settings().data_dir)
    except StorageError as error:
        raise Failure(str(error)) from None


# An export longer than this shows its progress on stderr.
PROGRESS_FROM = 1000


@main.command(help=_("Exporter les données vers la sortie standard."))
@click.argument("what", type=click.Choice(["enrollment", "feedback", "pairs", "history",
                                           "checkpoints"]))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json", "jsonl"]),
              default="csv", show_default=True)
def export(what: str, fmt: str) -> None:
    from . import spreadsheet
    from .coordination.exports import FILE_NAMES, export_records
    from .export import iter_csv, iter_export

    repo = _repository()
    try:
        # CSV and XLSX are for a spreadsheet: the same file as the coordination area's download.
        records = spreadsheet.rows(repo, what) if fmt in ("csv", "xlsx") else \
            export_records(repo, what)
        total = len(records)

        def progress(done: int) -> None:
            if total >= PROGRESS_FROM and (done % PROGRESS_FROM == 0 or done == total):
                say(_("Export : %(done)d / %(total)d") % {"done": done, "total": total})

        def counted(items):
            # Resumed when the next record is asked for: record n is written by then.
            for done, item in enumerate(items, start=1):
                yield item
                progress(done)

        if fmt == "xlsx":
            sys.stdout.flush()
            sys.stdout.buffer.write(spreadsheet.to_xlsx(records, FILE_NAMES[what]))
            sys.stdout.buffer.flush()
        else:
            # CSV reads every row first (its columns); its pieces are then one per row.
            pieces = iter_csv(records) if fmt == "csv" else iter_export(counted(records), fmt)
            for index, piece in enumerate(pieces):
                sys.stdout.write(piece)
                if fmt == "csv" and index:
                    progress(index)
            sys.stdout.flush()
        # The audit log names the export, never its content; None: the command line.
        repo.audit(None, "export", f"{what}.{fmt}")
        from .i18n import ngettext

        say(ngettext("%(num)d ligne exportée.", "%(num)d lignes exportées.", total)
            % {"num": total})
    finally:
        repo.close()


@main.group(help=_("Gérer les comptes de la coordination."))
def coordinator() -> None:
    """The coordinator-account subcommands."""


def _read_password(password_stdin: bool) -> str:
    from .coordination.auth import MIN_PASSWORD_LENGTH

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(_("Mot de passe"), hide_input=True,
                                confirmation_prompt=_("Répétez le mot de passe"), err=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Failure(_("Le mot de passe doit compter au moins %(n)d caractères ; "
                                     "une phrase de quelques mots convient.")
                                   % {"n": MIN_PASSWORD_LENGTH})
    return password


def _valid_email(email: str) -> str:
    email = email.strip()
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain) or any(c.isspace() for c in email):
        raise Failure(_("« %(email)s » n'est pas une adresse électronique.")
                                   % {"email": email})
    return email


@coordinator.command("add", help=_("Créer un compte (mot de passe demandé deux fois)."))
@click.argument("email")
@click.option("--password-stdin", is_flag=True,
              help=_("Lire le mot de passe sur l'entrée standard (une ligne)."))
def coordinator_add(email: str, password_stdin: bool) -> None:
    from .coordination.auth import hash_password

    email = _valid_email(email)
    repo = _repository()
    try:
        if repo.coordinator_by_email(email) is not None:
            raise Failure(_("Un compte existe déjà pour %(email)s.")
                                       % {"email": email})
        record, created = repo.add_coordinator(email, hash_password(_read_password(
            password_stdin)))
        if not created:
            raise Failure(_("Un compte existe déjà pour %(email)s.")
                                       % {"email": email})
        say(_("Compte créé : %(email)s.") % {"email": record["email"]})
    finally:
        repo.close()


@coordinator.command("list", help=_("Lister les comptes (un par ligne, sur la sortie standard)."))
def coordinator_list() -> None:
    repo = _repository()
    try:
        accounts = repo.list_coordinators()
        for record in accounts:
            click.echo(f"{record['email']}\t{record.get('created_at', '')}")
        say(_("%(n)d compte(s).") % {"n": len(accounts)})
    finally:
        repo.close()


@coordinator.command("remove", help=_("Supprimer un compte (ses sessions cessent aussitôt)."))
@click.argument("email")
def coordinator_remove(email: str) -> None:
    repo = _repository()
    try:
        if not repo.remove_coordinator(email):
            raise Failure(_("Aucun compte pour %(email)s.") % {"email": email})
        say(_("Compte supprimé : %(email)s.") % {"email": email.strip().casefold()})
    finally:
        repo.close()


@coordinator.command("password", help=_("Changer le mot de passe d'un compte (ses sessions "
                                        "ouvertes prennent fin)."))
@click.argument("email")
@click.option("--password-stdin", is_flag=True,
              help=_("Lire le mot de passe sur l'entrée standard (une ligne)."))
def coordinator_password(email: str, password_stdin: bool) -> None:
    from .coordination.auth import hash_password

    repo = _repository()
    try:
        record = repo.coordinator_by_email(email)
        if record is None:
            raise Failure(_("Aucun compte pour %(email)s.") % {"email": email})
        repo.set_coordinator_password(record["id"], hash_password(_read_password(password_stdin)))
        say(_("Mot de passe changé pour %(email)s.") % {"email": record["email"]})
    finally:
        repo.close()


@main.command(help=_("Vérifier les données ; code de sortie non nul en cas de dommage."))
@click.option("--repair", is_flag=True, help=_("Récupérer les enregistrements intacts."))
def check(repair: bool) -> None:
    from .storage import check as check_data

    report = check_data(_settings().data_dir, repair=repair)
    for problem in report.problems:
        say(problem)
    say(_("%(n)d enregistrement(s) lisible(s).") % {"n": report.records})
    if not report.ok:
        sys.exit(1)


@main.command(help=_("Écrire une archive cohérente des données (service en marche possible)."))
@click.argument("dest", type=click.Path(path_type=Path))
def backup(dest: Path) -> None:
    from .storage import StorageError, backup as make_backup

    try:
        path = make_backup(_settings().data_dir, dest)
    except StorageError as error:
        raise Failure(str(error)) from None
    say(_("Sauvegarde écrite : %(path)s") % {"path": path})


@main.command(help=_("Restaurer une archive (service arrêté uniquement)."))
@click.argument("src", type=click.Path(exists=True, path_type=Path))
@click.option("--force", is_flag=True, help=_("Remplacer des données existantes."))
def restore(src: Path, force: bool) -> None:
    from .storage import StorageError, restore as put_back

    try:
        put_back(src, _settings().data_dir, force=force)
    except StorageError as error:
        raise Failure(str(error)) from None
    say(_("Données restaurées depuis %(path)s.") % {"path": src})


def _programme():
    from .programme import ProgrammeError, load_programme

    try:
        return load_programme(_settings().programme)
    except ProgrammeError as error:
        raise Failure(str(error)) from None


@main.command(help=_("Proposer des binômes pour tout le vivier en attente."))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json",
              show_default=True)
@click.option("--include-repeats", is_flag=True,
              help=_("Proposer aussi les binômes déjà formés ou écartés (marqués de leur "
                     "historique)."))
def match(fmt: str, include_repeats: bool) -> None:
    import json

    from .matching import InvalidEnrollment, suggest

    programme, repo = _programme(), _repository()
    try:
        pool, load = repo.matching_pool()
        result = suggest(pool, programme.weights, existing_load=load,
                         rejected=set() if include_repeats else repo.rejected_pairs(),
                         history=repo.pair_history(), include_repeats=include_repeats,
                         locked=repo.locked_pairs(), progress=say)
    except InvalidEnrollment as error:
        raise Failure(str(error)) from None
    finally:
        repo.close()
    if fmt == "json":
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
        return
    for s in result.suggestions:
        click.echo(f"{s.score:5.1f}  {s.mentor.get('name')} → {s.mentee.get('name')}"
                   + ("  [" + _("déjà formé") + "]" if s.history else ""))
        for reason in s.reasons:
            click.echo(f"       - {reason}")
    for person in result.unmatched:
        click.echo(f"  --   {person.person.get('name')} ({person.role}) : "
                   + "; ".join(person.reasons))


@main.command(help=_("Envoyer les rappels des points d'étape échus (cron)."))
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help=_("Date du jour à considérer (AAAA-MM-JJ ; par défaut aujourd'hui)."))
def remind(on) -> None:
    from datetime import date

    from .config import load_secret_key
    from .mail import Outbox
    from .reminders import send_reminders

    settings = _settings()
    secret = load_secret_key(settings)
    repo = _repository()
    try:
        sent = send_reminders(repo, Outbox(settings), settings, secret,
                              on.date() if on else date.today(), progress=say)
    finally:
        repo.close()
    say(_("%(n)d rappel(s) envoyé(s).") % {"n": sent})


@main.command(help=_("Remplir un répertoire de données vide d'un programme fictif."))
@click.option("--seed", type=int, default=None,
              help=_("Graine du hasard (résultat reproductible)."))
@click.option("--participants", type=click.IntRange(10, 5000), default=300, show_default=True)
def demo(seed: int | None, participants: int) -> None:
    from .demo import DataNotEmpty, fill

    settings = _settings()
    repo = _repository()
    try:
        summary = fill(repo, _programme(), participants=participants, seed=seed, progress=say)
    except DataNotEmpty as error:
        raise Failure(str(error)) from None
    finally:
        repo.close()
    say(_("Programme fictif créé dans %(dir)s : %(people)d inscriptions, %(pairs)d binômes, "
          "%(feedback)d retours.") % {"dir": settings.data_dir, **summary})


@main.command(help=_("Effacer ce qui a dépassé la durée de conservation (MENTORAT_RETENTION_DAYS)."))
def purge() -> None:
    from .config import load_secret_key
    from .purge import purge as run_purge

    settings = _settings()
    try:
        secret = load_secret_key(settings)
    except ConfigError as error:
        raise Failure(str(error)) from None
    repo = _repository()
    try:
        counts = run_purge(repo, retention_days=settings.retention_days, secret=secret,
                           outbox=settings.data_dir / "outbox")
    finally:
        repo.close()
    say(_("Durée de conservation : %(days)d jours.") % {"days": settings.retention_days})
    say(_("%(n)d inscription(s) retirée(s) effacée(s).") % {"n": counts["retirees"]})
    say(_("%(n)d inscription(s) close(s) effacée(s).") % {"n": counts["closes"]})
    say(_("%(n)d inscription(s) jamais appariée(s) effacée(s).") % {"n": counts["jamais_appariees"]})
    say(_("%(n)d binôme(s) clos effacé(s).") % {"n": counts["binomes_clos"]})
    say(_("%(n)d retour(s) signé(s) et %(m)d message(s) effacés avec elles.")
        % {"n": counts["retours"], "m": counts["messages"]})


if __name__ == "__main__":
    main()

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

__all__ = ["main"]


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def say(message: str) -> None:
    click.echo(message, err=True)


@click.group(help=_("Programme de mentorat : site, formulaires et coordination."))
def main() -> None:
    pass


@main.command(help=_("Construire le site (mkdocs build --strict) et le compresser."))
@click.option("--site-dir", type=click.Path(path_type=Path), default=None)
def build(site_dir: Path | None) -> None:
    site_dir = site_dir or _settings().site_dir
    say(_("Construction du site dans %(dir)s…") % {"dir": site_dir})
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                             "-f", str(ROOT / "mkdocs.yml"), "-d", str(site_dir)],
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    if result.returncode:
        raise click.ClickException(_("La construction du site a échoué (voir ci-dessus)."))
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
        raise click.ClickException(str(error)) from None
    if not (settings.site_dir / "index.html").exists():
        raise click.ClickException(_("Le site n'est pas construit : lancez « mentorat build »."))
    say(_("Service prêt sur %(url)s (%(n)d processus).") % {
        "url": f"http://127.0.0.1:{settings.port}", "n": settings.workers})
    os.execvp(sys.executable, [
        sys.executable, "-m", "gunicorn", "--workers", str(settings.workers),
        "--bind", f"127.0.0.1:{settings.port}", "--access-logfile", "-",
        # Log lines carry paths, never the bodies people submitted.
        "--access-logformat", '%(h)s "%(r)s" %(s)s %(b)s %(L)ss',
        "forms_service.wsgi:app",
    ])


@main.command("send-mail", help=_("Envoyer les messages en attente dans outbox/ (cron)."))
def send_mail() -> None:
    from .mail import Outbox

    settings = _settings()
    if not settings.smtp_host:
        raise click.ClickException(_("MENTORAT_SMTP_HOST n'est pas défini : rien n'est envoyé."))
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
        raise click.ClickException(str(error)) from None


@main.command(help=_("Exporter les données vers la sortie standard."))
@click.argument("what", type=click.Choice(["enrollment", "feedback", "pairs"]))
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), default="csv",
              show_default=True)
def export(what: str, fmt: str) -> None:
    from .export import export as render

    repo = _repository()
    table = {"enrollment": "enrollments", "feedback": "feedback", "pairs": "pairs"}[what]
    records = repo.store.table(table).all()
    say(_("%(n)d enregistrement(s) exporté(s).") % {"n": len(records)})
    sys.stdout.write(render(records, fmt))
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
        raise click.ClickException(str(error)) from None
    say(_("Sauvegarde écrite : %(path)s") % {"path": path})


@main.command(help=_("Restaurer une archive (service arrêté uniquement)."))
@click.argument("src", type=click.Path(exists=True, path_type=Path))
@click.option("--force", is_flag=True, help=_("Remplacer des données existantes."))
def restore(src: Path, force: bool) -> None:
    from .storage import StorageError, restore as put_back

    try:
        put_back(src, _settings().data_dir, force=force)
    except StorageError as error:
        raise click.ClickException(str(error)) from None
    say(_("Données restaurées depuis %(path)s.") % {"path": src})


if __name__ == "__main__":
    main()

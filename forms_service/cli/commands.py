"""The ``mentorat`` command: run, build, export, check, back up.

Messages and progress go to stderr, data to stdout, so
``mentorat export enrollment --format csv > inscriptions.csv`` is clean.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import click

from ..config import ROOT, ConfigError, Settings
from ..i18n import _, ngettext, translate_click
from .accounts import coordinator
from .report import report
from .common import Failure, Group, IsoDate, _data_dir, _repository, _settings, epilog, say  # noqa: F401 - the names tests and scripts use from here

__all__ = ["main"]

translate_click()


@click.group(cls=Group, help=_(
    "Programme de mentorat : site, formulaires et coordination. Chaque commande écrit ses "
    "messages sur la sortie d'erreur et ses données sur la sortie standard ; « mentorat "
    "COMMANDE --help » décrit une commande."),
    epilog=epilog("DATA_DIR", "PROGRAMME", "LANGUAGE", "TIMEZONE"),
    context_settings={"max_content_width": 100})
def main() -> None:
    """The command group; each subcommand does the work."""


main.add_command(coordinator)
main.add_command(report)

SITE_DIR_HELP = _("Dossier où écrire le site (par défaut MENTORAT_SITE_DIR, sinon ./site).")


@main.command(
    short_help=_("Construire le site (strict), puis ses copies compressées."),
    help=_("Construire le site (mkdocs build --strict) dans le dossier du site, puis ses copies "
           "gzip et brotli. Construit toujours ; « make site » ne reconstruit que si une source "
           "a changé."),
    epilog=epilog("SITE_DIR", "PROGRAMME", "LANGUAGE"))
@click.option("--site-dir", type=click.Path(path_type=Path), default=None,
              metavar=_("DOSSIER"), help=SITE_DIR_HELP)
def build(site_dir: Path | None) -> None:
    from ..buildstamp import inputs_digest, stamp_path, write_stamp

    site_dir = site_dir or _settings().site_dir
    digest = inputs_digest()
    say(_("Construction du site dans %(dir)s…") % {"dir": site_dir})
    stamp_path(site_dir).unlink(missing_ok=True)  # a failed build is never "up to date"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                             "-f", str(ROOT / "mkdocs.yml"), "-d", str(site_dir)],
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    if result.returncode:
        raise Failure(_("La construction du site a échoué (voir ci-dessus)."))
    say(_("Compression (gzip, brotli)…"))
    subprocess.run([sys.executable, "-m", "whitenoise.compress", "--quiet", str(site_dir)],
                   check=True)
    write_stamp(site_dir, digest)
    say(_("Site prêt."))


def _check_port(port: int) -> None:
    """Refuse a port another program holds, in French, before gunicorn says it in English."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise Failure(_(
                "le port %(port)d est déjà utilisé (un autre « make run » ou un autre programme ?). "
                "Arrêtez-le, ou choisissez un autre port : MENTORAT_PORT=%(other)d make run")
                % {"port": port, "other": port + 1}) from None


def _ready_line(settings: Settings) -> str:
    if settings.smtp_host:
        mail = _("les e-mails partent par %(host)s:%(port)d") % {
            "host": settings.smtp_host, "port": settings.smtp_port}
    else:
        mail = _("les e-mails ne sont pas envoyés (MENTORAT_SMTP_HOST non défini) : ils "
                 "attendent dans la file (mentorat send-mail --status)")
    return _("Prêt : ouvrez %(url)s — données dans %(dir)s ; %(mail)s.") % {
        "url": f"http://127.0.0.1:{settings.port}/", "dir": settings.data_dir, "mail": mail}


def _announce_when_ready(settings: Settings, timeout: float = 120) -> None:
    """In a child process: once /healthz answers, say so in one line, then exit."""
    import time
    import urllib.request

    if os.fork():
        return
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{settings.port}/healthz",
                                            timeout=1) as answer:
                    if answer.status == 200:
                        say(_ready_line(settings))
                        break
            except OSError:
                time.sleep(0.2)
    finally:
        os._exit(0)


@main.command(
    short_help=_("Servir le site, les formulaires et la coordination."),
    help=_("Servir le site, les formulaires et la coordination avec gunicorn, sur "
           "http://127.0.0.1:MENTORAT_PORT. Une ligne dit l'adresse dès que le service répond. "
           "Crée le répertoire de données s'il manque."),
    epilog=epilog("PORT", "DATA_DIR", "WORKERS", "BASE_URL", "PROGRAMME", "SITE_DIR",
                  "SECRET_KEY", "DEBUG", "SMTP_HOST, _PORT, _USER, _PASSWORD, _STARTTLS",
                  "MAIL_FROM", "RATE_LIMIT", "MIN_FILL_SECONDS", "MAX_CONTENT_LENGTH",
                  "TRUSTED_PROXIES", "SESSION_IDLE_MINUTES", "TIMEZONE", "LANGUAGE",
                  "PREVIEW_ORIGIN"))
def serve() -> None:
    settings = _settings()
    _data_dir(settings, create=True)
    from .. import create_app
    from ..config import load_secret_key
    from ..mail.sender import SenderBusy, run_in_thread

    try:
        create_app()  # fail here, clearly, rather than in every worker
    except Exception as error:  # noqa: BLE001 - any start-up failure is reported the same way
        raise Failure(str(error)) from None
    if not (settings.site_dir / "index.html").exists():
        raise Failure(_("Le site n'est pas construit : lancez « mentorat build »."))
    _check_port(settings.port)
    say(_("Démarrage (%(n)d processus)…") % {"n": settings.workers})
    _announce_when_ready(settings)  # forks: before any thread starts
    stop = None
    if settings.smtp_host:
        try:
            _thread, stop = run_in_thread(settings, load_secret_key(settings))
        except SenderBusy:
            say(_("Un autre processus envoie déjà les messages de ce répertoire de données."))
    workers = subprocess.Popen([
        sys.executable, "-m", "gunicorn", "--workers", str(settings.workers),
        "--bind", f"127.0.0.1:{settings.port}", "--access-logfile", "-",
        # gunicorn's own start-up lines (in English) stay out; warnings and errors show.
        "--log-level", "warning",
        # Log lines carry paths, never the bodies people submitted, nor query strings
        # (a personal "Mon inscription" link is a credential).
        "--access-logformat", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss',
        "forms_service.wsgi:app",
    ])
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda number, _frame: workers.send_signal(number))
    code = workers.wait()
    if stop is not None:
        stop.set()
    sys.exit(code)


@main.command("send-mail",
              short_help=_("Envoyer les messages en file (cron), ou les surveiller."),
              help=_("Envoyer les messages en file dont l'heure est venue, une fois (cron) ; "
                     "--watch reste en marche, --status liste ce qui attend ou a échoué. "
                     "Quand le service envoie déjà, ne fait rien et le dit."),
              epilog=epilog("DATA_DIR", "SMTP_HOST, _PORT, _USER, _PASSWORD, _STARTTLS",
                            "MAIL_FROM", "BASE_URL", "SECRET_KEY"))
@click.option("--watch", is_flag=True,
              help=_("Rester en marche et envoyer chaque message dans les secondes qui suivent."))
@click.option("--status", "show_status", is_flag=True,
              help=_("Lister les messages en attente ou en échec ; code 1 s'il y a un échec."))
def send_mail(watch: bool, show_status: bool) -> None:
    from ..config import load_secret_key
    from ..mail.sender import Sender, SenderBusy, sender_lock

    if show_status:
        _mail_status()  # opens the repository, which names the data directory
        return
    settings = _settings()
    _data_dir(settings)
    if not settings.smtp_host:
        raise Failure(_("MENTORAT_SMTP_HOST n'est pas défini : les messages restent en file."))
    secret = load_secret_key(settings)
    try:
        with sender_lock(settings.data_dir):
            sender = Sender(settings, secret)
            if watch:
                say(_("Envoi des messages en continu ; Ctrl+C pour arrêter."))
                stop = threading.Event()
                signal.signal(signal.SIGTERM, lambda *_args: stop.set())
                with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is the way out
                    sender.watch(stop)
                return
            report = sender.send_due()
    except SenderBusy:
        say(_("Le service envoie déjà les messages de ce répertoire de données : rien à faire."))
        return
    say(_("Envoyés : %(sent)d ; sans objet : %(skipped)d ; à réessayer : %(retried)d ; "
          "en échec : %(failed)d.") % vars(report))
    if report.failed:
        sys.exit(1)


def _mail_status() -> None:
    from datetime import datetime

    from ..mail.mailqueue import STATUS_LABELS, JobStatus

    repo = _repository()
    try:
        repo.queue_pending_mail()  # so that messages still on their records are listed too
        jobs = repo.mail.waiting_or_failed()
    finally:
        repo.close()
    for job in jobs:
        when = datetime.fromtimestamp(job["next_try"]).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(_("message %(id)d (%(kind)s) : %(status)s, %(attempts)d essai(s), prochain "
                     "essai %(when)s, dernière erreur : %(error)s") % {
            "id": job["id"], "kind": job["kind"], "status": STATUS_LABELS[job["status"]],
            "attempts": job.get("attempts", 0), "when": when,
            "error": job.get("last_error") or _("aucune")})
    say(ngettext("%(num)d message en attente ou en échec.",
                 "%(num)d messages en attente ou en échec.", len(jobs)) % {"num": len(jobs)})
    # Monitoring sees a message given up, and one whose last try failed, not only the first.
    if any(job["status"] == JobStatus.ECHEC or job.get("last_error") for job in jobs):
        sys.exit(1)


# An export longer than this shows its progress on stderr.
PROGRESS_FROM = 1000


@main.command(
    short_help=_("Exporter inscriptions, retours, binômes, historique, points d'étape, "
                 "rencontres, bilans."),
    help=_("Exporter les inscriptions (enrollment), les retours (feedback), les binômes "
           "(pairs), l'historique des états (history), les points d'étape (checkpoints), les "
           "rencontres notées (meetings) ou les questionnaires de bilan (closing ; non signés, "
           "sans nom ni binôme) sur la sortie standard. CSV et XLSX pour un tableur "
           "français (en-têtes et libellés en français, formules neutralisées) ; JSON et JSONL "
           "pour un script (codes et identifiants)."),
    epilog=epilog("DATA_DIR", "TIMEZONE"))
@click.argument("what", type=click.Choice(["enrollment", "feedback", "pairs", "history",
                                           "checkpoints", "meetings", "closing"]),
                metavar="enrollment|feedback|pairs|history|checkpoints|meetings|closing")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json", "jsonl"]),
              default="csv", show_default=True, help=_("Format de sortie."))
def export(what: str, fmt: str) -> None:
    from ..exports import spreadsheet
    from ..exports.formats import iter_export
    from ..exports.tables import FILE_NAMES, export_records

    repo = _repository()
    try:
        # CSV and XLSX are for a spreadsheet: the same file as the coordination area's download.
        sheet = spreadsheet.table(repo, what) if fmt in ("csv", "xlsx") else None
        records = sheet.rows if sheet is not None else export_records(repo, what)
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
            sys.stdout.buffer.write(spreadsheet.to_xlsx(sheet, FILE_NAMES[what]))
            sys.stdout.buffer.flush()
        else:
            # CSV reads every row first (its columns); its pieces are then one per row.
            pieces = spreadsheet.iter_csv(sheet) if fmt == "csv" else \
                iter_export(counted(records), fmt)
            for index, piece in enumerate(pieces):
                sys.stdout.write(piece)
                if fmt == "csv" and index:
                    progress(index)
            sys.stdout.flush()
        # The audit log names the export, never its content; None: the command line.
        repo.audit(None, "export", f"{what}.{fmt}")
        from ..i18n import ngettext

        say(ngettext("%(num)d ligne exportée.", "%(num)d lignes exportées.", total)
            % {"num": total})
    finally:
        repo.close()


@main.command(short_help=_("Vérifier les fichiers de données."),
              help=_("Vérifier les fichiers de données ; code de sortie non nul en cas de "
                     "dommage."),
              epilog=epilog("DATA_DIR"))
@click.option("--repair", is_flag=True,
              help=_("Réparer : garder chaque enregistrement intact, écarter le reste (mis de "
                     "côté dans lignes-ecartees/)."))
@click.option("--force", is_flag=True,
              help=_("Avec --repair : accepter de revenir à la version précédente des "
                     "enregistrements dont la dernière version est illisible."))
def check(repair: bool, force: bool) -> None:
    from ..storage import check as check_data

    data_dir = _data_dir(_settings())
    report = check_data(data_dir, repair=repair, force=force)
    for problem in report.problems:
        say(problem)
    for rollback in report.rollbacks:
        say(rollback)
    say(_("%(n)d enregistrement(s) lisible(s).") % {"n": report.records})
    if report.refused:
        raise Failure(_("rien n'est réparé : la réparation reviendrait à une version plus "
                        "ancienne des enregistrements ci-dessus. Restaurez plutôt une "
                        "sauvegarde, ou relancez avec --repair --force pour l'accepter."))
    if report.repaired:
        for path in report.set_aside:
            say(_("Lignes endommagées mises de côté : %(path)s") % {"path": path})
        repo = _repository()
        try:
            repo.audit(None, "reparation_forcee" if report.rollbacks else "reparation")
        finally:
            repo.close()
    if not report.ok:
        sys.exit(1)


ARCHIVE = _("ARCHIVE")


@main.command(short_help=_("Écrire une sauvegarde cohérente des données."),
              help=_("Écrire dans ARCHIVE une sauvegarde cohérente des données (enregistrements, "
                     "clé secrète, e-mails), même service en marche. ARCHIVE peut être un "
                     "répertoire : la sauvegarde y prend un nom daté, et les sauvegardes du "
                     "répertoire plus anciennes que « conservation.sauvegardes_jours » "
                     "(programme.yml) sont effacées."),
              epilog=epilog("DATA_DIR", "PROGRAMME"))
@click.argument("dest", type=click.Path(path_type=Path), metavar=ARCHIVE)
def backup(dest: Path) -> None:
    import time

    from ..storage import StorageError
    from ..storage import backup as make_backup

    data_dir = _data_dir(_settings())
    days = _programme().retention["sauvegardes_jours"] if dest.is_dir() else None
    try:
        path = make_backup(data_dir, dest)
    except StorageError as error:
        raise Failure(str(error)) from None
    say(_("Sauvegarde écrite : %(path)s") % {"path": path})
    if days is not None:
        limit = time.time() - days * 86400
        old = [p for p in dest.glob("mentorat-*.tar.gz") if p.stat().st_mtime < limit]
        for archive in old:
            archive.unlink(missing_ok=True)
        say(_("Sauvegardes de plus de %(days)d jours effacées : %(n)d.")
            % {"days": days, "n": len(old)})


@main.command(short_help=_("Restaurer une sauvegarde (service arrêté)."),
              help=_("Remettre en place la sauvegarde ARCHIVE, service arrêté. Crée le "
                     "répertoire de données s'il manque ; refuse de remplacer des données sans "
                     "--force."),
              epilog=epilog("DATA_DIR"))
@click.argument("src", type=click.Path(exists=True, path_type=Path), metavar=ARCHIVE)
@click.option("--force", is_flag=True, help=_("Remplacer les données existantes."))
def restore(src: Path, force: bool) -> None:
    from ..storage import StorageError
    from ..storage import restore as put_back

    data_dir = _data_dir(_settings(), create=True)
    try:
        put_back(src, data_dir, force=force)
    except StorageError as error:
        raise Failure(str(error)) from None
    from ..config import load_secret_key
    from ..records.purge import replay_erasures

    settings = _settings()
    repo = _repository()
    try:
        repo.audit(None, "restauration")  # in the restored data's own log
        # Erasures made since that backup are made again (the ledger stays out of backups).
        erased = replay_erasures(repo, secret=load_secret_key(settings),
                                 outbox=settings.data_dir / "outbox")
    except ConfigError as error:
        raise Failure(str(error)) from None
    finally:
        repo.close()
    say(_("Données restaurées depuis %(path)s.") % {"path": src})
    say(_("Effacements refaits d'après le registre des effacements : %(n)d.") % {"n": erased})


def _programme():
    from ..programme import ProgrammeError, load_programme

    try:
        return load_programme(_settings().programme)
    except ProgrammeError as error:
        raise Failure(str(error)) from None


@main.command(short_help=_("Proposer des binômes pour tout le vivier en attente."),
              help=_("Proposer des binômes pour tout le vivier en attente, avec leur score et "
                     "leurs raisons (rien n'est confirmé)."),
              epilog=epilog("DATA_DIR", "PROGRAMME"))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json",
              show_default=True, help=_("json pour un programme, text pour une lecture."))
@click.option("--include-repeats", is_flag=True,
              help=_("Proposer aussi les binômes déjà formés ou écartés (marqués de leur "
                     "historique)."))
def match(fmt: str, include_repeats: bool) -> None:
    import json

    from ..matching.suggest import InvalidEnrollment, suggest

    programme, repo = _programme(), _repository()
    try:
        pool, load = repo.matching_pool(selection=programme.selection)
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


@main.command(short_help=_("Mettre en file les rappels des points d'étape échus (cron)."),
              help=_("Mettre en file d'envoi un rappel, avec son lien personnel, pour chaque "
                     "personne dont un point d'étape est échu (cron ; jamais deux fois le même "
                     "rappel)."),
              epilog=epilog("DATA_DIR", "TIMEZONE"))
@click.option("--date", "on", type=IsoDate(), default=None,
              help=_("Date du jour à considérer, AAAA-MM-JJ (par défaut aujourd'hui)."))
def remind(on) -> None:
    from datetime import date

    from ..records.checkpoints import send_reminders

    repo = _repository()
    try:
        queued = send_reminders(repo, on or date.today(), progress=say,
                                programme=_programme())
    finally:
        repo.close()
    say(ngettext("%(num)d rappel mis en file d'envoi.", "%(num)d rappels mis en file d'envoi.",
                 queued) % {"num": queued})


@main.command(short_help=_("Remplir le répertoire de données d'un programme fictif."),
              help=_("Remplir le répertoire de données d'un programme fictif (inscriptions, "
                     "binômes, retours) pour découvrir la coordination. Refuse un répertoire "
                     "qui contient déjà des inscriptions, des binômes ou des retours ; des "
                     "comptes de la coordination ne gênent pas. Crée le répertoire s'il "
                     "manque."),
              epilog=epilog("DATA_DIR", "PROGRAMME"))
@click.option("--seed", type=int, default=None, metavar=_("NOMBRE"),
              help=_("Graine du hasard (résultat reproductible)."))
@click.option("--participants", type=click.IntRange(10, 5000), default=300, show_default=True,
              metavar=_("NOMBRE"), help=_("Nombre de personnes inscrites (de 10 à 5000)."))
def demo(seed: int | None, participants: int) -> None:
    from .demo import DataNotEmpty, fill

    settings = _settings()
    programme = _programme()
    repo = _repository(create=True)
    try:
        summary = fill(repo, programme, participants=participants, seed=seed, progress=say)
    except DataNotEmpty as error:
        raise Failure(str(error)) from None
    finally:
        repo.close()
    say(_("Programme fictif créé dans %(dir)s : %(people)d inscriptions, %(pairs)d binômes, "
          "%(feedback)d retours.") % {"dir": settings.data_dir, **summary})


@main.command(short_help=_("Effacer ce qui a dépassé la durée de conservation."),
              help=_("Effacer, catégorie par catégorie du registre de ce que le service garde, "
                     "ce qui a dépassé sa durée de conservation (programme.yml, "
                     "« conservation ») ; prévenir les personnes en attente dont l'inscription "
                     "le sera bientôt. --dry-run compte sans rien effacer."),
              epilog=epilog("DATA_DIR", "PROGRAMME", "SECRET_KEY"))
@click.option("--date", "on", type=IsoDate(), default=None,
              help=_("Date du jour à considérer, AAAA-MM-JJ (par défaut aujourd'hui)."))
@click.option("--dry-run", is_flag=True,
              help=_("Compter ce qui serait effacé, par catégorie, sans rien effacer ni "
                     "envoyer."))
def purge(on, dry_run: bool) -> None:
    from datetime import datetime, timezone

    from ..config import load_secret_key
    from ..evaluation.report import freeze_rounds
    from ..records.purge import purge as run_purge
    from ..records.registry import KEPT

    settings = _settings()
    retention = _programme().retention
    now = datetime.now(timezone.utc) if on is None else \
        datetime(on.year, on.month, on.day, 12, tzinfo=timezone.utc)
    repo = _repository()
    try:
        secret = load_secret_key(settings)
    except ConfigError as error:
        repo.close()
        raise Failure(str(error)) from None
    try:
        counts = run_purge(repo, retention=retention, secret=secret, now=now, dry_run=dry_run,
                           outbox=settings.data_dir / "outbox",
                           before_erasing=lambda rounds: freeze_rounds(repo, rounds, now.date()))
    finally:
        repo.close()
    day = now.date().isoformat()
    say(_("Aperçu au %(day)s : rien n'est effacé.") % {"day": day} if dry_run
        else _("Effacé au %(day)s :") % {"day": day})
    for kept in KEPT:
        if kept.purged:
            say(_("- %(label)s (%(days)d jours) : %(n)d")
                % {"label": kept.label, "days": retention[kept.period], "n": counts[kept.purged]})
    if not dry_run:
        say(_("Effacés avec eux : %(feedback)d retour(s), %(pairs)d binôme(s), %(meetings)d "
              "rencontre(s), %(mail)d message(s).")
            % {"feedback": counts["avec_retours"], "pairs": counts["avec_binomes"],
               "meetings": counts["avec_rencontres"], "mail": counts["avec_messages"]})
        say(_("Personnes en attente prévenues que leur inscription sera bientôt effacée : "
              "%(num)d.") % {"num": counts["avertissements"]})
    else:
        say(_("Personnes en attente à prévenir : %(num)d.") % {"num": counts["avertissements"]})


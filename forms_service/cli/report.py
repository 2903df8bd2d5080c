"""``mentorat report``: a round's report as HTML, PDF, JSON or XLSX."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..i18n import _
from .common import Command, Failure, _repository, epilog, say

__all__ = ["report"]


@click.command(
    cls=Command,
    short_help=_("Écrire le bilan d'une session (HTML, PDF, JSON, XLSX)."),
    help=_("Écrire le bilan d'une session : ses indicateurs (tout chiffre sur moins de 3 "
           "personnes masqué), la comparaison avec la session précédente, les enseignements "
           "et décisions écrits par la coordination. Sans --cohort : la dernière session "
           "ouverte. HTML et JSON vont sur la sortie standard, PDF et XLSX dans un fichier "
           "(--output, ou bilan-SESSION.pdf dans le répertoire courant)."),
    epilog=epilog("DATA_DIR"))
@click.option("--cohort", default=None, metavar=_("NOM"),
              help=_("La session (« hors session » : les inscriptions faites hors session)."))
@click.option("--format", "fmt", type=click.Choice(["html", "pdf", "json", "xlsx"]),
              default="html", show_default=True, help=_("Format du bilan."))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar=_("FICHIER"), help=_("Écrire dans ce fichier."))
def report(cohort: str | None, fmt: str, output: Path | None) -> None:
    from ..evaluation import report as bilan
    from ..evaluation.rounds import OUTSIDE

    repo = _repository()
    try:
        outside = cohort is not None and cohort.strip().lower() in ("hors session", "hors-session")
        name = OUTSIDE if outside else cohort
        try:
            content = bilan.build(repo, name)
        except KeyError:
            known = ", ".join(bilan.round_label(n) for n in bilan.rounds_of(repo)) or "—"
            raise Failure(_("Session inconnue : « %(name)s ». Sessions : %(known)s.")
                          % {"name": cohort, "known": known}) from None
        try:
            data = _render(bilan, content, fmt)
        except bilan.PdfUnavailable as error:
            raise Failure(str(error)) from None
        # Identifiers only in the log: the format, not the round's typed name.
        repo.audit(None, "bilan_exporte", fmt)
    finally:
        repo.close()
    if output is None and fmt in ("pdf", "xlsx"):
        output = Path(bilan.file_name(content, fmt))
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    output.write_bytes(data)
    say(_("Bilan de la session « %(name)s » écrit dans %(path)s.")
        % {"name": content["label"], "path": output})


def _render(bilan, content: dict, fmt: str) -> bytes:
    if fmt == "json":
        return (json.dumps(bilan.to_json_data(content), ensure_ascii=False, indent=2)
                + "\n").encode()
    if fmt == "pdf":
        return bilan.to_pdf(content)
    if fmt == "xlsx":
        return bilan.to_xlsx(content)
    return bilan.to_html(content).encode()


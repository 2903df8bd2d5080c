"""``python -m forms_service.cli``: the ``mentorat`` command."""

from .commands import main

main(prog_name="mentorat")

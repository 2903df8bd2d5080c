"""The ``mentorat`` command: ``main`` is the console script, ``__main__`` runs it.

- ``commands``: serve, build, export, match, remind, purge, backup…;
  ``accounts``: ``mentorat coordinator``; ``common``: settings, messages and
  the data directory every command shares; ``demo``: a fictitious programme.

May import every other part of the package; nothing imports it.
Messages and progress go to stderr, data to stdout.
"""

from .commands import main

__all__ = ["main"]

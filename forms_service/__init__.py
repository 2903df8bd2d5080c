"""The forms service of the mentoring programme: the guide's forms, their records, the area.

The package is read by its folders (each ``__init__`` says what it holds and
what it may import); the few modules at this level are what every part
shares:

- ``config`` (``MENTORAT_*`` settings), ``programme`` (``programme.yml``),
  ``vocabulary`` (roles, statuses, choices), ``i18n``, ``typography``,
  ``dates``, ``text`` (cleaning typed text), ``errors`` (a refusal), ``sqlitedb``
  (the small SQLite files every worker shares: sessions, counters);
- ``app`` (``create_app``), ``services`` (the accessors views use),
  ``wsgi`` (what gunicorn loads), ``buildstamp`` (is the built site current?).

Subpackages, from the bottom up: ``storage`` (TinyDB journals, safe across
processes), ``mail`` (queue, messages, sender, links), ``records`` (the
repository and the rules over it), ``matching`` (numpy/SciPy, loaded only
when it runs), ``forms`` (WTForms classes and their rendering), ``exports``,
``web`` (the public request path), ``coordination`` (the private area) and
``cli`` (the ``mentorat`` command).

Importing this package loads nothing: ``create_app`` is looked up on first use,
so ``import forms_service.storage`` or ``forms_service.vocabulary`` (the
build's hooks) pays neither Flask nor the views.
"""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

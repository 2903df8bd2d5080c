"""MkDocs hook: put the shared texts of ``docs/includes/`` into the pages.

Registered first, so the contacts hook then checks and fills the markers the
included text carries. See ``forms_service.includes``.
"""

from __future__ import annotations

from mkdocs.exceptions import PluginError

from forms_service.includes import IncludeError, expand_includes


def on_page_markdown(markdown, page, config, files):
    try:
        return expand_includes(markdown, config["docs_dir"])
    except IncludeError as error:
        raise PluginError(f"{page.file.src_uri} : {error}") from None

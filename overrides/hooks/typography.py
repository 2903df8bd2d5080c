"""MkDocs hook: French non-breaking spaces on every rendered page.

Coordinators type ordinary spaces; the service's ``typeset`` (shared with
the pages Flask renders) turns them into the non-breaking spaces French
requires, outside code, scripts and styles.
"""

from forms_service.typography import typeset


def on_post_page(output: str, page, config) -> str:
    return typeset(output)

"""MkDocs hook: French typography on every rendered page.

Coordinators type ordinary spaces and straight apostrophes; the service's
``typeset`` (shared with the pages Flask renders) turns them into the
non-breaking spaces French requires and, in the guide's prose, into
typographic apostrophes (’), outside code, scripts, styles and the forms
(whose labels come from the service, which re-renders them as they are).

The permalink after each heading is drawn by the style sheet instead of
being a « ¶ » in the text, so copying a section gives clean text.
"""

import re

from forms_service.typography import typeset

HEADERLINK = re.compile(r'(<a class="headerlink" href="[^"]*" title="([^"]*)")>(?:¶|&para;)</a>')
FORM_REGION = re.compile(r"(<!-- formulaire:\w+:debut -->.*?<!-- formulaire:\w+:fin -->)", re.S)


def on_page_content(html, page, config, files):
    return HEADERLINK.sub(r'\1 aria-label="\2"></a>', html)


def on_post_page(output: str, page, config) -> str:
    parts = FORM_REGION.split(output)
    return "".join(typeset(part, apostrophes=not index % 2) for index, part in enumerate(parts))

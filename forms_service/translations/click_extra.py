"""Click messages its source builds at run time, so `pybabel extract` cannot see them.

Never imported; `make catalogue` extracts it with Click's source into click.pot.
"""

_ = str

_("required")  # core.py: extra_items.append(_(extra["required"]))

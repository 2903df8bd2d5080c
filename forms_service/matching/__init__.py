"""Suggest mentor–mentee pairs for the whole waiting pool, and say why.

- ``suggest``: the entry points (``suggest``, ``candidates``, ``score_pair``,
  ``why_not``) and their result; ``encode``: records to arrays;
  ``scores``: the score and constraint matrices; ``assign``: the global
  assignment (SciPy, imported when it runs); ``preferences``: the mentees'
  rankings; ``explain``: the French reasons; ``report``: the summary of a run.

Pure logic over plain dicts: may import ``vocabulary`` and ``i18n`` only.
Importing this package loads nothing; ``suggest`` and its helpers load numpy.
"""

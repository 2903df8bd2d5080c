"""The programme's records and the rules over them.

- ``repository``: ``Repository``, the one object views, commands and the
  sender read and write through; it is composed of one part per concern
  (``enrollments``, ``pairs``, ``between``, ``accounts``), with what they
  share in ``common``;
- ``checkpoints`` (when a checkpoint falls due, who to remind, silence),
  ``meetings`` (the pairs' logged meetings), ``rounds`` (the enrollment
  round), ``purge`` (withdrawal, erasure, retention).

May import the shared top-level modules, ``storage``, and from ``mail`` the
queue's table (``mail.mailqueue``) and the links (``mail.links``): a record
and the messages it causes are written together. No Flask.
"""

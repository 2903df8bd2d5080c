"""The public side of the service: everything a participant's request goes through.

- ``public``: the pages holding a form and ``POST /api/formulaires/<form>``,
  readable top to bottom (DESIGN decision 11); ``linked_feedback``: the
  checkpoint link on the feedback form;
- ``participant`` (« Mon inscription ») and ``pair_pages`` (« Nous nous
  sommes vus », decline): the pages opened by a personal link;
- ``guards`` (origin, honeypot, time-trap, one error answer), ``ratelimit``,
  ``security`` (headers), ``compression``, ``static_site`` (the built guide
  through WhiteNoise).

May import the shared top-level modules, ``services``, ``storage``, ``mail``,
``records``, ``forms`` and ``matching``; never ``coordination`` or ``cli``.
The blueprints load in ``create_app``, not with this package.
"""

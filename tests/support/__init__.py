"""What the tests share, and nothing else: no test lives here.

- ``service``: where the project is, the tests' secret and default settings,
  the application's repository, the JSON ``Accept`` header, French spacing undone.
- ``mail``: the queued messages as the sender would send them, the links they carry.
- ``people``: the answers the forms send, and ways to enroll someone.
- ``coordination``: coordinator accounts, logging in, CSRF tokens.
- ``processes``: real processes: a ``mentorat serve`` on a free port, the
  ``mentorat`` command, an SMTP server.
- ``browser``: Chromium's path and options, filling the enrollment form,
  axe-core's report, waiting for Material's colour scheme.
- ``site_pages``: the built site's pages read without a browser, and one page
  of each kind for the checks that need one.
- ``content_rules``: measures of the guide's prose (also a script).
- ``storage_writer``: a script writing to a data directory from another process.

Test modules import from here, never from each other nor from ``conftest``
(which holds the fixtures only).
"""

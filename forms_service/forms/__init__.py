"""The public forms, defined once (WTForms), and their HTML.

- ``definitions``: ``EnrollmentForm``, ``FeedbackForm``, their fields, limits
  and checks; plain ``wtforms.Form`` with no session, so the build can render
  them;
- ``render``: the form's markup, at build time (the MkDocs hook) and when a
  post is refused (errors next to fields, answers kept).

May import the shared top-level modules only (``vocabulary``, ``programme``,
``text``, ``templating``…): no Flask, no storage.
"""

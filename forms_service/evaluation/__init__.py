"""The programme's evaluation: indicators per round, defined once, and the round's report.

``rounds`` gathers what belongs to a round, ``suppression`` hides every figure
about fewer than three people, ``indicators`` defines each indicator (its
French definition and its computation, read by the dashboard, the report and
the guide's « Objectifs et indicateurs » page), ``report`` assembles and
renders the round's report (HTML, PDF, JSON, XLSX), ``charts`` draws the
figures as SVG. No Flask here; may import ``records`` and ``exports``.
"""

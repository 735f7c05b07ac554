"""Per-site health over time: metrics of every run and drift alerts against the site's own history.

- ``metrics``: what a run measured of a site (pure): crawl, stages, extracted articles;
- ``drift``: the checks that compare the latest run with the site's recent runs (pure);
- ``assess``: the shell that reads a run's rows, measures, judges and stores (``store.health``).
"""

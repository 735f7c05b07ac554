"""The archive's web pages (FastAPI, server-rendered): sites, a site, an article, search.

``app.create_app`` builds the application; ``govnews_airflow`` mounts it inside the Airflow UI behind
Airflow's own login. Read-only: every route is a GET, and on PostgreSQL every transaction is read-only.
"""

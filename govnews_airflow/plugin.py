"""The Airflow plugin: the archive (``pipeline.archive``) mounted at ``/govnews`` in the api-server,
with an entry in the UI's navigation, behind Airflow's own login.

Registered through the ``airflow.plugins`` entry point (pyproject.toml), so every installation of
the project has it. Every Airflow process loads plugins, so this module imports almost nothing: the
FastAPI application is built only when the api-server asks for ``fastapi_apps``.
"""

# No ``from __future__ import annotations``: FastAPI reads the dependency's annotations, which name
# classes imported inside the function.
from functools import cached_property
from typing import Annotated, Any

from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/govnews"
RESOURCE = "govnews_archive"  # what the auth manager is asked about (a custom view, read)


class GovnewsPlugin(AirflowPlugin):
    name = "govnews"
    external_views = [  # noqa: RUF012 (Airflow reads the class attribute)
        {"name": "News archive", "href": f"{URL_PREFIX}/", "url_route": "govnews", "destination": "nav",
         "nav_top_level": True},
    ]

    @cached_property
    def fastapi_apps(self) -> list[dict[str, Any]]:  # type: ignore[override]
        return [{"app": build_app(), "url_prefix": URL_PREFIX, "name": "govnews archive"}]


def build_app() -> Any:
    from functools import cache

    from pipeline.archive.app import create_app

    return create_app(cache(archive_sessions), site_names, dependencies=[require_reader()], login_url=login_url)


def site_names() -> list[str]:
    from pipeline.runs import registry_for
    from pipeline.settings import Settings

    return sorted(registry_for(Settings()).sites)


def archive_sessions() -> Any:
    """The articles database as the tasks see it: the ``govnews_db`` connection, else
    ``GOVNEWS_DATABASE_URL``. Not migrated here: the archive only reads."""
    from airflow.exceptions import AirflowNotFoundException
    from airflow.models.connection import Connection
    from sqlalchemy.orm import sessionmaker

    from pipeline.settings import Settings
    from pipeline.store import make_engine

    try:  # Settings normalises the postgres:// Airflow renders
        settings = Settings(database_url=Connection.get_connection_from_secrets("govnews_db").get_uri())
    except AirflowNotFoundException:
        settings = Settings()
    return sessionmaker(make_engine(settings.database_url), expire_on_commit=False)


def login_url(next_url: str) -> str:
    """Airflow's login page, which sends the browser back to ``next_url``."""
    from airflow.api_fastapi.app import get_auth_manager

    return get_auth_manager().get_url_login(next_url=next_url)


def require_reader() -> Any:
    """A FastAPI dependency: the Airflow user of the request (its JWT, as the api-server's own routes
    read it), allowed by the auth manager to read this view; otherwise 401/403 for a script and the
    login page (back here afterwards) for a browser."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.core_api.security import get_user
    from fastapi import Depends, HTTPException, Request

    async def reader(request: Request, user: Annotated[Any, Depends(get_user)]) -> Any:
        if not get_auth_manager().is_authorized_custom_view(method="GET", resource_name=RESOURCE, user=user):
            raise HTTPException(403, "this Airflow user may not read the govnews archive")
        return user
    return reader

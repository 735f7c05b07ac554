"""govnews inside Airflow: the plugin that mounts the archive's pages in the Airflow UI."""

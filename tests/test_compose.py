"""The docker compose deployment, checked without a Docker engine: docker-compose.yml against the
Compose schema and our own rules (services, profiles, healthchecks, volumes, no committed secrets);
what it runs exercised natively: the PostgreSQL init script on the real server, airflow-init against
a throw-away home and database, its Airflow commands and settings through Airflow's own parser,
and the Dockerfile's install line against the files the build context really holds.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from benchmarks.common import SERVER as POSTGRES_URL
from benchmarks.common import throwaway_database
from tests.conftest import SHARED  # GOVNEWS_SHARED, else the shared folder beside the repository

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent  # the environment running the tests

COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)  # resolves the x-airflow-common anchors and << merges
SERVICES: dict[str, dict] = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
ENV_EXAMPLE = (ROOT / ".env.example").read_text()

DEFAULT_SERVICES = {"postgres", "airflow-init", "airflow-apiserver", "airflow-scheduler",
                    "airflow-dag-processor", "airflow-triggerer"}
PROFILED = {"redis": ["celery"], "airflow-worker": ["celery"], "airflow-crawl-worker": ["celery"],
            "flower": ["flower"]}
AIRFLOW_SERVICES = sorted(name for name, service in SERVICES.items() if service.get("image") == SERVICES[
    "airflow-apiserver"]["image"])
LONG_RUNNING = sorted(name for name in SERVICES if name != "airflow-init")
CELERY_PROVIDER = importlib.util.find_spec("airflow.providers.celery") is not None

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}; $${...} is an escape.
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")
REQUIRED_REFERENCE = re.compile(r"\$\{[A-Z_][A-Z0-9_]*(?::?\?[^}]*)?\}")
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|_KEY)$")
URL_CREDENTIALS = re.compile(r"://[^:/@\s]+:([^@\s]*)@")
PLACEHOLDER = "change-me"


def env_example_values() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            values[name.strip()] = value.strip()
    return values


def environment(service: str) -> dict[str, str]:
    env = SERVICES[service].get("environment") or {}
    assert isinstance(env, dict), f"{service}: write environment as a mapping, as the other services do"
    return {key: str(value) for key, value in env.items()}


# --- the file itself -------------------------------------------------------------------------------


def test_compose_file_matches_the_compose_schema() -> None:
    schema_path = SHARED / "schemas" / "compose-spec.json"
    if not schema_path.exists():
        pytest.skip(f"no Compose schema at {schema_path}; set GOVNEWS_SHARED to the shared folder")
    import jsonschema

    schema = json.loads(schema_path.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(COMPOSE), key=lambda e: list(e.path))
    assert not errors, "docker-compose.yml breaks the Compose schema:\n" + "\n".join(
        f"  {'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}" for error in errors)


def test_services_and_profiles() -> None:
    assert set(SERVICES) == DEFAULT_SERVICES | set(PROFILED), "services changed: update this test and the README"
    for name in DEFAULT_SERVICES:
        assert "profiles" not in SERVICES[name], f"{name} must start with a plain `docker compose up`"
    for name, profiles in PROFILED.items():
        assert SERVICES[name].get("profiles") == profiles, f"{name} belongs to the profile(s) {profiles}"


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_has_a_healthcheck(name: str) -> None:
    check = SERVICES[name].get("healthcheck")
    assert check and check.get("test") and not check.get("disable"), f"{name} needs a healthcheck"
    assert {"interval", "timeout", "retries"} <= set(check), f"{name}: give interval, timeout and retries"


def test_airflow_services_share_one_configuration() -> None:
    assert set(AIRFLOW_SERVICES) == {name for name in SERVICES if name.startswith("airflow-")} | {"flower"}
    common = environment("airflow-apiserver")
    for name in AIRFLOW_SERVICES:
        env = environment(name)
        differing = {key for key in common if env.get(key) != common[key]}
        assert not differing, f"{name} overrides the x-airflow-common settings {sorted(differing)}"
        assert SERVICES[name].get("build") == ".", f"{name} must run the image built from the Dockerfile"
    assert common["AIRFLOW__CORE__EXECUTOR"] == "${AIRFLOW_EXECUTOR:-LocalExecutor}"
    assert common["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert any(port.endswith(":8080") for port in SERVICES["airflow-apiserver"]["ports"])
    metadata = make_url(common["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    articles = make_url(common["AIRFLOW_CONN_GOVNEWS_DB"])
    assert (metadata.drivername, metadata.host, metadata.database) == ("postgresql+psycopg2", "postgres", "airflow")
    assert (articles.drivername, articles.host, articles.database) == ("postgresql", "postgres", "govnews")
    assert common["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"


def test_dependencies_wait_for_health_and_for_init() -> None:
    for name, service in SERVICES.items():
        depends = service.get("depends_on") or {}
        for dependency, rule in depends.items():
            assert dependency in SERVICES, f"{name} depends on an unknown service {dependency}"
            condition = rule.get("condition")
            if condition == "service_healthy":
                assert "healthcheck" in SERVICES[dependency], (
                    f"{name} waits for {dependency}'s health, which has no check")
            mine, theirs = set(SERVICES[name].get("profiles", [])), set(SERVICES[dependency].get("profiles", []))
            if theirs and not (mine and mine <= theirs):
                assert rule.get("required") is False, (
                    f"{name} runs without the {sorted(theirs)} profile, so its dependency on {dependency} "
                    "needs `required: false`, or `docker compose up` fails")
        if name in AIRFLOW_SERVICES:
            assert depends.get("postgres", {}).get("condition") == "service_healthy", name
            if name != "airflow-init":
                assert depends.get("airflow-init", {}).get("condition") == "service_completed_successfully", name
    for worker in ("airflow-worker", "airflow-crawl-worker"):
        assert SERVICES[worker]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert SERVICES["airflow-init"].get("restart") == "no", "airflow-init runs once per `up`"


def test_volumes_are_named_and_bind_mounts_exist() -> None:
    declared = set(COMPOSE.get("volumes") or {})
    used = set()
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name} mounts {source}, which is not in the repository"
                if target.startswith("/docker-entrypoint-initdb.d/") and target.endswith(".sh"):
                    assert os.access(ROOT / source, os.X_OK), f"chmod +x {source}: postgres sources it otherwise"
            else:
                assert source in declared, f"{name} uses the volume {source}; declare it under volumes:"
                used.add(source)
    assert declared == used, f"declared but unused volumes: {sorted(declared - used)}"
    postgres_targets = [v.split(":")[1] for v in SERVICES["postgres"]["volumes"]]
    assert "/var/lib/postgresql/data" in postgres_targets, "the database must live on a named volume"


# --- secrets ---------------------------------------------------------------------------------------


def test_no_secret_is_written_in_the_compose_file() -> None:
    for name, service in SERVICES.items():
        for key, value in environment(name).items():
            if SECRET_NAME.search(key):
                assert REQUIRED_REFERENCE.fullmatch(value), (
                    f"{name}: {key} must be a ${{VARIABLE}} taken from .env, without a default, not {value!r}")
            for password in URL_CREDENTIALS.findall(value):
                assert REQUIRED_REFERENCE.fullmatch(password), (
                    f"{name}: the password in {key} must be a ${{VARIABLE}} from .env, not {password!r}")


def test_every_required_variable_is_in_env_example() -> None:
    example = env_example_values()
    required = {name for name, operator, _ in VARIABLE.findall(COMPOSE_TEXT) if operator in ("", "?", ":?")}
    assert required, "no ${VARIABLE} references found; the secrets must come from .env"
    missing = sorted(required - set(example))
    assert not missing, f"add {missing} to .env.example (with a comment saying what it is)"
    bare = re.findall(r"(?<!\$)\$[A-Za-z_]", COMPOSE_TEXT)
    assert not bare, "write variables as ${NAME} (or $${NAME} for the container's shell)"


def test_env_example_holds_placeholders_only() -> None:
    for name, value in env_example_values().items():
        if SECRET_NAME.search(name):
            assert value == PLACEHOLDER, f".env.example: {name} must be {PLACEHOLDER!r}, never a real value"
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT).returncode == 0
    assert ignored, "add .env to .gitignore: it holds the deployment's secrets"


def test_make_env_fills_every_placeholder(tmp_path: Path) -> None:
    output = tmp_path / ".env"
    subprocess.run([sys.executable, str(ROOT / "deploy" / "make_env.py"), "--output", str(output)], check=True,
                   capture_output=True)
    values = dict(line.split("=", 1) for line in output.read_text().splitlines() if line and not line.startswith("#"))
    assert PLACEHOLDER not in values.values()
    assert set(env_example_values()) == set(values)
    assert oct(output.stat().st_mode & 0o777) == "0o600"
    from cryptography.fernet import Fernet

    Fernet(values["AIRFLOW_FERNET_KEY"].encode())  # raises if it is not a Fernet key
    for name, value in values.items():
        if SECRET_NAME.search(name):
            assert re.fullmatch(r"[A-Za-z0-9_=-]{32,}", value), f"{name} is not URL-safe: {value!r}"
    again = subprocess.run([sys.executable, str(ROOT / "deploy" / "make_env.py"), "--output", str(output)],
                           capture_output=True, text=True)
    assert again.returncode == 1 and "not overwriting" in again.stderr


# --- the PostgreSQL init script, on the real server -------------------------------------------------


def _postgres_env(names: dict[str, str]) -> dict[str, str]:
    url = make_url(POSTGRES_URL)
    return {**os.environ, "PGHOST": url.host or "127.0.0.1", "PGPORT": str(url.port or 5432),
            "POSTGRES_USER": url.username or "postgres", "POSTGRES_DB": url.database or "postgres",
            **({"PGPASSWORD": url.password} if url.password else {}), **names}


def test_postgres_init_script_creates_both_databases() -> None:
    suffix = uuid.uuid4().hex[:8]
    names = {"AIRFLOW_DB_NAME": f"t_airflow_{suffix}", "AIRFLOW_DB_USER": f"t_airflow_{suffix}",
             "GOVNEWS_DB_NAME": f"t_govnews_{suffix}", "GOVNEWS_DB_USER": f"t_govnews_{suffix}",
             "AIRFLOW_DB_PASSWORD": "pw-" + suffix, "GOVNEWS_DB_PASSWORD": "it's-quoted"}
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        result = subprocess.run(["bash", str(ROOT / "deploy" / "postgres-init.sh")], env=_postgres_env(names),
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
        for kind in ("AIRFLOW", "GOVNEWS"):
            database, owner = names[f"{kind}_DB_NAME"], names[f"{kind}_DB_USER"]
            url = make_url(POSTGRES_URL).set(database=database, username=owner,
                                             password=names[f"{kind}_DB_PASSWORD"])
            engine = create_engine(url)
            with engine.begin() as connection:  # the owner can create tables in its database
                connection.execute(text("CREATE TABLE init_check (id int)"))
                assert connection.execute(text("SELECT current_user")).scalar_one() == owner
            engine.dispose()
            with admin.connect() as connection:
                found = connection.execute(text(
                    "SELECT pg_get_userbyid(datdba), pg_encoding_to_char(encoding) FROM pg_database "
                    "WHERE datname = :name"), {"name": database}).one()
            assert tuple(found) == (owner, "UTF8")
    finally:
        with admin.connect() as connection:
            for kind in ("AIRFLOW", "GOVNEWS"):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{names[f"{kind}_DB_NAME"]}" WITH (FORCE)'))
                connection.execute(text(f'DROP ROLE IF EXISTS "{names[f"{kind}_DB_USER"]}"'))
        admin.dispose()


def test_postgres_init_script_names_a_missing_password() -> None:
    env = _postgres_env({"GOVNEWS_DB_PASSWORD": "x"})
    env.pop("AIRFLOW_DB_PASSWORD", None)
    result = subprocess.run(["bash", str(ROOT / "deploy" / "postgres-init.sh")], env=env, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode != 0 and "AIRFLOW_DB_PASSWORD" in result.stderr


# --- airflow-init, natively -------------------------------------------------------------------------


def _airflow_env(home: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "GOVNEWS_"))}
    return {**env, "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}", "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False", **extra}


@pytest.fixture
def articles_database() -> Iterator[str]:
    with throwaway_database("govnews_init", migrated=False) as url:
        yield url


def test_airflow_init_migrates_writes_the_login_and_the_articles_schema(tmp_path: Path,
                                                                        articles_database: str) -> None:
    env = _airflow_env(tmp_path, AIRFLOW_ADMIN_PASSWORD="from-dot-env", GOVNEWS_DATABASE_URL=articles_database,
                       AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin,viewer:viewer")
    result = subprocess.run(["bash", str(ROOT / "deploy" / "airflow-init.sh")], env=env, capture_output=True,
                            text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    passwords = json.loads((tmp_path / "simple_auth_manager_passwords.json.generated").read_text())
    assert passwords == {"admin": "from-dot-env", "viewer": "from-dot-env"}
    assert (tmp_path / "airflow.db").exists()
    engine = create_engine(articles_database)
    assert "articles" in inspect(engine).get_table_names()
    engine.dispose()


def test_airflow_init_stops_a_celery_executor_without_its_broker() -> None:
    spec = importlib.util.spec_from_file_location("airflow_init", ROOT / "deploy" / "airflow_init.py")
    airflow_init = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(airflow_init)  # type: ignore[union-attr]
    with pytest.raises(SystemExit, match="start the celery profile too"):
        airflow_init.check_broker("redis://127.0.0.1:9/0")  # port 9 (discard): nothing listens


# --- the Airflow commands and settings the containers use -------------------------------------------


def _airflow_commands() -> list[list[str]]:
    commands = []
    for service in SERVICES.values():
        command = service.get("command")
        if service.get("image") == SERVICES["airflow-apiserver"]["image"] and command and command[0] != "bash":
            # the image's entrypoint runs `airflow <command>`; ${NAME:-default} is what .env may change
            commands.append([VARIABLE.sub(lambda m: m.group(3) or "", word) for word in command])
        check = service.get("healthcheck", {}).get("test", [])
        shell = check[1] if check[:1] == ["CMD-SHELL"] else ""
        for part in shell.split("||"):
            words = shlex.split(part.replace("$${HOSTNAME}", "host"))
            if words[:1] == ["airflow"]:
                commands.append(words[1:])
    for line in (ROOT / "deploy" / "airflow-init.sh").read_text().splitlines():
        if line.strip().startswith("airflow "):
            commands.append(shlex.split(line)[1:])
    return commands


AIRFLOW_COMMANDS = _airflow_commands()
AIRFLOW_SETTINGS = sorted({key for name in AIRFLOW_SERVICES for key in environment(name)
                           if key.startswith("AIRFLOW__")})

_CHECK = """
import contextlib, io, json, sys
from airflow.cli.cli_parser import get_parser
from airflow.configuration import conf
from airflow.utils.providers_configuration_loader import providers_configuration_loaded
commands, settings = json.loads(sys.argv[1])
parser, found = get_parser(), {}
for argv in commands:
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            parser.parse_args(argv)
        found[" ".join(argv)] = "ok"
    except SystemExit:
        found[" ".join(argv)] = stderr.getvalue().strip()[-500:] or "rejected"
@providers_configuration_loaded
def known(setting):
    _, section, key = setting.split("__", 2)
    options = conf.configuration_description.get(section.lower(), {}).get("options", {})
    return key.lower() in options
for setting in settings:
    found[setting] = "ok" if known(setting) else "not an Airflow setting"
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def airflow_verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One Airflow process judges every command and setting (each `airflow ... --help` costs ~8 s)."""
    commands = [c for c in AIRFLOW_COMMANDS if CELERY_PROVIDER or c[0] != "celery"]
    settings = [s for s in AIRFLOW_SETTINGS if CELERY_PROVIDER or not s.startswith("AIRFLOW__CELERY__")]
    home = tmp_path_factory.mktemp("airflow-cli")
    result = subprocess.run([str(VENV_BIN / "python"), "-c", _CHECK, json.dumps([commands, settings])],
                            env=_airflow_env(home), capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", AIRFLOW_COMMANDS, ids=" ".join)
def test_airflow_commands_are_valid(argv: list[str], airflow_verdicts: dict[str, str]) -> None:
    if argv[0] == "celery" and not CELERY_PROVIDER:
        pytest.skip("the celery provider is not installed here (the Airflow image has it)")
    assert airflow_verdicts[" ".join(argv)] == "ok", f"`airflow {' '.join(argv)}`: {airflow_verdicts[' '.join(argv)]}"


@pytest.mark.parametrize("setting", AIRFLOW_SETTINGS)
def test_airflow_settings_exist(setting: str, airflow_verdicts: dict[str, str]) -> None:
    if setting.startswith("AIRFLOW__CELERY__") and not CELERY_PROVIDER:
        pytest.skip("the celery provider is not installed here (the Airflow image has it)")
    version = importlib.metadata.version("apache-airflow")
    assert airflow_verdicts[setting] == "ok", f"{setting} is not an option of Airflow {version}"


# --- the Celery queues: what the DAGs route to, both deployments consume -------------------------


def _queues_option(words: list[str]) -> set[str]:
    return set(words[words.index("--queues") + 1].split(",")) if "--queues" in words else {"default"}


def test_celery_workers_consume_every_queue_the_dags_use(airflow_db) -> None:  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import BundleDagBag

    dags = BundleDagBag(dag_folder=str(ROOT / "dags"), bundle_path=ROOT / "dags")
    routed = {task.queue for dag in dags.dags.values() for task in dag.tasks}
    assert {"crawl", "extract"} <= routed, "crawl shards and extraction go to queues of their own"
    compose = [_queues_option(SERVICES[name]["command"]) for name in ("airflow-worker", "airflow-crawl-worker")]
    assert set().union(*compose) >= routed, f"no compose worker consumes {routed - set().union(*compose)}"
    native = set()
    for line in (ROOT / "scripts" / "airflow-celery").read_text().splitlines():
        native |= {queue for part in re.findall(r"queues=([\w,]+)", line) for queue in part.split(",")}
    assert native >= routed, f"scripts/airflow-celery starts no worker for {routed - native}"
    assert compose == [{"default", "extract"}, {"crawl"}] and native == {"default", "extract", "crawl"}


# --- the Dockerfile --------------------------------------------------------------------------------


def _dockerignore_excludes(path: str) -> bool:
    """Docker's rule: the last matching pattern wins; a pattern matching a directory covers its files."""
    prefixes = ["/".join(path.split("/")[: i + 1]) for i in range(path.count("/") + 1)]
    excluded = False
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        if any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes):
            excluded = not negated
    return excluded


def _pip_install() -> list[str]:
    lines = [line for line in DOCKERFILE.replace("\\\n", " ").splitlines() if "pip install" in line]
    assert len(lines) == 1, "the Dockerfile should install the project in one pip install line"
    return shlex.split(lines[0].split("pip install", 1)[1])


def test_dockerfile_is_based_on_the_installed_airflow() -> None:
    base = re.search(r"^FROM\s+(\S+)", DOCKERFILE, re.MULTILINE).group(1)
    installed = importlib.metadata.version("apache-airflow")
    assert base == f"apache/airflow:{installed}-python3.11", f"the image's Airflow must be the one tested: {installed}"


def test_dockerfile_installs_files_that_exist_and_enter_the_build_context() -> None:
    words = _pip_install()
    constraints = words[words.index("-c") + 1]
    project = next(word for word in words if word.startswith(".") or word.startswith("-e ."))
    readme = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("readme")
    needed = [constraints, "pyproject.toml", *([readme] if readme else []), "pipeline", "spiders", "govnews_airflow", "dags",
              "seeds", "deploy/airflow-init.sh", "deploy/airflow_init.py"]
    assert project.split("[")[0] == ".", "pip installs the project from the build context"
    for path in needed:
        assert (ROOT / path).exists(), f"the Docker build needs {path}, which does not exist"
        assert not _dockerignore_excludes(path), f".dockerignore leaves {path} out of the image: allow it"
    for path in (".venv", ".git", ".env", "tests", "airflow-home"):
        assert _dockerignore_excludes(path), f".dockerignore must keep {path} out of the image"


def test_constraints_are_pinned_and_agree_with_the_image() -> None:
    words = _pip_install()
    path = ROOT / words[words.index("-c") + 1]
    assert path.exists(), f"the Dockerfile installs with -c {path.name}, which does not exist"
    constraints = path.read_text().splitlines()
    pins = {}
    for line in constraints:
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9_.\-\[\],]+)==([^\s;]+)(\s*;.*)?", line)
            assert match, f"constraints.txt: {line!r} is not a `name==version` pin"
            pins[re.sub(r"[-_.]+", "-", match.group(1).lower())] = match.group(2)
    base = re.search(r"^FROM\s+apache/airflow:([\d.]+)-", DOCKERFILE, re.MULTILINE).group(1)
    assert pins.get("apache-airflow", base) == base, "constraints.txt pins another Airflow than the image's"


def test_dockerfile_points_airflow_at_the_copied_dags() -> None:
    dags = re.search(r"AIRFLOW__CORE__DAGS_FOLDER=(\S+)", DOCKERFILE).group(1)
    copy = re.search(r"^COPY\s+(?:--\S+\s+)*\.\s+(\S+)", DOCKERFILE, re.MULTILINE).group(1)
    assert dags == f"{copy.rstrip('/')}/dags"
    init = SERVICES["airflow-init"]["command"][-1]
    assert init.startswith(copy) and (ROOT / init.removeprefix(copy).lstrip("/")).exists(), init

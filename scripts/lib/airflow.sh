# Shared by the scripts that run Airflow without Docker (scripts/airflow-local, scripts/airflow-celery);
# source it, do not run it. It gives them one environment and one way to start, watch and stop:
#
#   airflow_environment           the venv on PATH, AIRFLOW_HOME, dags/, the API's host and port, the
#                                 metadata database (AIRFLOW_DATABASE_URL), sane limits for a small machine
#   start_component NAME CMD...   runs CMD in its own session; its output lines prefixed "NAME | "
#   wait_until_ready              returns once the UI answers (GET /api/v2/version is 200), or fails
#                                 if a component exited first
#   run_until_stopped             waits for the components; SIGTERM, SIGINT or SIGHUP stops all of them,
#                                 and so does any of them exiting
#   masked_url URL                the URL with its password replaced by ***
#
# Stopping: SIGINT to each component first (airflow standalone shuts its parts down on it), then
# SIGTERM and at last SIGKILL to every process they started, task processes included (those run in
# process groups of their own, so the tree is walked rather than the group killed).

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
components=()   # pids of the started components, each the leader of its own session
GRACE=${AIRFLOW_STOP_GRACE:-30}   # seconds the components get to shut down before they are killed

airflow_environment() {
  venv=${GOVNEWS_VENV:-$repo/.venv}
  [[ -x $venv/bin/airflow ]] || {
    echo "no airflow in $venv: run ./dev airflow (it installs the Airflow extra), or set GOVNEWS_VENV" >&2
    exit 1
  }
  export PATH="$venv/bin:$PATH"  # the components start their own parts as `airflow ...`
  export AIRFLOW_HOME=${AIRFLOW_HOME:-$repo/airflow-home}
  export AIRFLOW__CORE__DAGS_FOLDER=${AIRFLOW__CORE__DAGS_FOLDER:-$repo/dags}
  export AIRFLOW__CORE__LOAD_EXAMPLES=False
  # Airflow's default of 32 task processes swamps a small machine.
  export AIRFLOW__CORE__PARALLELISM=${AIRFLOW__CORE__PARALLELISM:-4}
  export AIRFLOW__API__WORKERS=${AIRFLOW__API__WORKERS:-1}
  # A task's supervisor notices that its task process exited only at its next wake-up, up to this
  # many seconds after the task's last output (Airflow's default 5): each task held its worker slot
  # that much longer, ~2.5 s a task on average, a fifth of a crawl shard's politeness time.
  export AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL=${AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL:-1}
  api_host=${AIRFLOW_API_HOST:-127.0.0.1}
  api_port=${AIRFLOW_API_PORT:-8080}
  export AIRFLOW__API__HOST=$api_host AIRFLOW__API__PORT=$api_port
  export AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://127.0.0.1:$api_port/execution/
  ui_url=http://$api_host:$api_port
  if [[ -n ${AIRFLOW_DATABASE_URL:-} ]]; then
    # postgres:// and postgresql:// mean psycopg2 here, as everywhere in govnews (SQLAlchemy 2.1
    # would pick psycopg 3, which is not installed).
    export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=$(sed -E 's#^postgres(ql)?://#postgresql+psycopg2://#' <<<"$AIRFLOW_DATABASE_URL")
  fi
  mkdir -p "$AIRFLOW_HOME"
}

masked_url() {
  sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"
}

start_component() {
  local name=$1; shift
  # Its own session: a Ctrl-C reaches it only through the trap of run_until_stopped, which stops
  # everything in order. SIGINT is set back to its default (a background job, or a script started
  # with SIGINT ignored, would pass on "ignore"), so that SIGINT shuts it down cleanly; the filter
  # ignores the signals, so the component can still log its shutdown. standalone's own "Airflow is
  # ready" is dropped: it comes before the UI answers.
  env --default-signal=INT,QUIT setsid "$@" \
    > >(trap '' INT TERM HUP; exec sed -u -e '/| Airflow is ready$/d' -e "s/^/$name | /") 2>&1 < /dev/null &
  components+=("$!")
}

descendants() {  # descendants PID: every living process below PID
  local child
  for child in $(pgrep -P "$1"); do
    echo "$child"
    descendants "$child"
  done
}

any_alive() {  # any_alive PID...: true while one of them runs (an unreaped zombie does not count)
  local pid state
  for pid in "$@"; do
    state=$(ps -o stat= -p "$pid" 2>/dev/null) || continue
    [[ $state == Z* ]] || return 0
  done
  return 1
}

stop_components() {
  trap - TERM INT HUP
  local pid started=() waited=0
  for pid in "${components[@]}"; do
    started+=("$pid" $(descendants "$pid"))
  done
  ((${#started[@]})) || return 0
  echo "stopping: ${#started[@]} processes" >&2
  kill -INT "${components[@]}" 2>/dev/null || true
  while any_alive "${started[@]}" && ((waited < GRACE)); do sleep 1; waited=$((waited + 1)); done
  for pid in "${started[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  waited=0
  while any_alive "${started[@]}" && ((waited < 10)); do sleep 1; waited=$((waited + 1)); done
  for pid in "${started[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "stopped" >&2
}

wait_until_ready() {
  until python - "$ui_url/api/v2/version" <<'PY' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as response:
    sys.exit(response.status != 200)
PY
  do
    any_alive "${components[@]}" || return 1
    sleep 1
  done
}

run_until_stopped() {
  trap 'stop_components; exit 130' INT
  trap 'stop_components; exit 143' TERM HUP
  # Returns when any component exits (or a signal arrives: the trap runs first).
  wait -n "${components[@]}" || true
  stop_components
}

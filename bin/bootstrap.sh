# Sourced by bin/dev and bin/test: makes sure uv and the locked Python dependencies are installed.
UV_VERSION=0.13.8
UV_HOME="${XDG_CACHE_HOME:-$HOME/.cache}/platform-uv-$UV_VERSION"
export PATH="$UV_HOME/bin:$PATH"
if ! command -v uv >/dev/null 2>&1; then
  # A private venv: works whether or not the system Python lets pip install packages (PEP 668).
  echo "installing uv $UV_VERSION into $UV_HOME ..." >&2
  python3 -m venv "$UV_HOME"
  "$UV_HOME/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
uv sync --frozen --quiet
export SPARK_LOCAL_IP=127.0.0.1
# The dbt manifest is built here, never committed: Dagster reads the marts' lineage from it.
uv run --quiet dbt parse --quiet --project-dir platform/dbt --profiles-dir platform/dbt

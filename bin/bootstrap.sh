# Sourced by bin/dev and bin/test: makes sure uv and the locked Python dependencies are installed.
UV_VERSION=0.13.8
export PATH="$HOME/.local/bin:$PATH"
if ! command -v uv >/dev/null 2>&1; then
  echo "installing uv $UV_VERSION ..." >&2
  python3 -m pip install --quiet --user "uv==$UV_VERSION" || python3 -m pip install --quiet "uv==$UV_VERSION"
fi
uv sync --frozen --quiet
export SPARK_LOCAL_IP=127.0.0.1

# Shared by the scripts: the project's root, messages, and installing what a fresh machine lacks.
# shellcheck shell=bash

MPLANE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

require_dotnet() {
  command -v dotnet >/dev/null 2>&1 || die "the .NET SDK (dotnet) is not on PATH; install the .NET 10 SDK first"
}

# PostgreSQL's server programs. Debian installs them under /usr/lib/postgresql/N/bin, off the PATH.
have_postgres_server() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

ensure_postgres() {
  have_postgres_server && return 0
  [ -n "${MPLANE_PG:-}" ] && return 0
  say "PostgreSQL server programs not found: installing Debian's postgresql-15 with apt-get"
  # The private cluster is ours; do not let the package create and start a system-wide one.
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    as_root mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' | as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-client-15 >/dev/null \
    || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-client >/dev/null \
    || die "apt-get could not install PostgreSQL"
  have_postgres_server || die "PostgreSQL was installed but no initdb was found"
}

# Debian's chromium: the dashboard's browser test drives it headless (tests/Mplane.Host.Tests/Browser).
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  say "chromium not found: installing Debian's chromium with apt-get (for the dashboard's browser test)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || die "apt-get could not install chromium"
  command -v chromium >/dev/null 2>&1 || die "chromium was installed but is not on PATH"
}

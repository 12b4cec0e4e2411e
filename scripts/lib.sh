# Shared set-up for scripts/run and scripts/test: installs what is missing, says plainly what
# it cannot install. Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
# Where cargo puts what it builds (CARGO_TARGET_DIR moves it; a relative one is relative to ROOT).
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mError:\033[0m %s\n' "$*" >&2; exit 1; }

# System packages the app needs to build and run (WebKitGTK 4.1 for Tauri v2).
BUILD_PACKAGES=(libwebkit2gtk-4.1-dev build-essential pkg-config libssl-dev curl file)
# What the tests need besides: a virtual display, the WebDriver for WebKitGTK, a real Secret
# Service (gnome-keyring) in a private D-Bus session, and desktop-file-validate for the
# packaging layer's check of the .deb's desktop entry; and PostgreSQL, which the team trail's
# tests start as a throwaway server of their own (crates/team/tests).
TEST_PACKAGES=(xvfb webkit2gtk-driver dbus-x11 gnome-keyring libsecret-tools desktop-file-utils postgresql)

ensure_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"; else
      die "these system packages are missing: ${missing[*]}
Install them, then run this command again:
  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    fi
  fi
  say "Installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_toolchains() {
  command -v cargo >/dev/null || die "Rust is not installed. Install it with rustup (see the Rust website), open a new terminal, and run this command again."
  command -v node >/dev/null && command -v npm >/dev/null || die "Node.js 20 or newer is needed for the web UI. Install it (for example: sudo apt-get install -y nodejs npm, or from NodeSource), then run this command again."
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node.js $major is too old: the web UI needs Node.js 20 or newer."
}

# npm packages of one folder, installed exactly as locked, again only when the lock changed.
ensure_npm() {
  local dir="$1"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "Installing npm packages in ${dir#$ROOT/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

TAURI_DRIVER_VERSION=2.1.0
ensure_tauri_driver() {
  if ! tauri-driver --help >/dev/null 2>&1; then
    say "Installing tauri-driver $TAURI_DRIVER_VERSION (once)"
    cargo install tauri-driver --locked --version "$TAURI_DRIVER_VERSION" --quiet
  fi
}

# A fingerprint of everything the web UI bundle is built from (sources, page, locked packages,
# build config); test files are left out, as they are not in the bundle.
ui_sources_hash() {
  (cd "$ROOT/ui" && {
    find src -type f ! -name '*.test.ts' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    sha256sum index.html package-lock.json vite.config.ts svelte.config.js tsconfig*.json
  } | sha256sum | cut -d' ' -f1)
}

# Builds ui/dist only when its sources changed since the last build: an untouched ui/dist keeps
# its timestamps, so cargo finds nothing to rebuild or relink. The stamp lives in node_modules
# (a reinstall of the packages rebuilds the UI too), not in dist, which the app embeds.
UI_STAMP="$ROOT/ui/node_modules/.cache/subdesk-dist.sha256"
build_ui() {
  local hash
  hash="$(ui_sources_hash)"
  if [ -f "$ROOT/ui/dist/index.html" ] && [ -f "$UI_STAMP" ] && [ "$(cat "$UI_STAMP")" = "$hash" ]; then
    say "Web UI is up to date"
    return 0
  fi
  say "Building the web UI"
  (cd "$ROOT/ui" && npm run --silent build) || return 1
  mkdir -p "$(dirname "$UI_STAMP")" && echo "$hash" > "$UI_STAMP"
}

# The Tauri CLI (ui/'s devDependency, pinned in step with the tauri crate), run from ui/ on the
# app crate. Our scripts build ui/dist themselves (only when it changed), so the config's
# beforeBuildCommand is skipped here.
tauri_cli() {
  (cd "$ROOT/ui" && TAURI_APP_PATH=../src-tauri ./node_modules/.bin/tauri "$@")
}
tauri_bundle() {
  tauri_cli build --config '{"build":{"beforeBuildCommand":""}}' "$@"
}

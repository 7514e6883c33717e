#!/bin/bash
# Install a kiosk release next to the running one, test it, switch, and roll back.
#
#   update.sh [options] install BUNDLE   BUNDLE: a civic-kiosk/ directory or its .tar.gz
#   update.sh [options] rollback         back to the release that was current before
#   update.sh [options] status           releases, current and previous
#
# Options:
#   --prefix DIR     install root (default /opt/civic-kiosk)
#   --keep N         releases kept on disk, current and previous included (default 3)
#   --no-restart     switch only; do not restart civic-kiosk.service
#   --settle SEC     how long the restarted service must stay up (default 20)
#   --force          reinstall a release name that is already on disk
#
# Layout (installed as /usr/local/sbin/civic-kiosk-update by setup-kiosk.sh):
#   DIR/releases/<version>/   one bundle per release (its VERSION file names it)
#   DIR/current -> releases/<version>     what civic-kiosk.service runs
#   DIR/previous -> releases/<version>    what `rollback` goes back to
#
# A release becomes current only after its own `civic-kiosk --self-test` passed
# on this machine (offscreen, in a temp dir: the kiosk's data is not touched).
# Switching is one rename of a symlink, so the service sees either release,
# never half of one. After the restart, a release whose service does not stay
# up for --settle seconds is rolled back automatically. The kiosk's data
# (/var/lib/civic-kiosk) belongs to no release: migrations run forward at the
# first start of a new release, so roll back only to a release that knows the
# schema (see docs/deploy-kiosk-linux.md).
set -euo pipefail

PREFIX=/opt/civic-kiosk
KEEP=3
RESTART=1
SETTLE=20
FORCE=0
SERVICE=civic-kiosk.service
SELF_TEST_TIMEOUT=${CIVIC_KIOSK_SELF_TEST_TIMEOUT:-180}
RUN_AS=${CIVIC_KIOSK_USER:-kiosk}
INCOMING=""

say() { printf 'civic-kiosk-update: %s\n' "$*"; }
die() { printf 'civic-kiosk-update: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}

# --- helpers --------------------------------------------------------------------------

release_of() {  # the release a symlink (current/previous) points at, or nothing
    local link=$PREFIX/$1
    [ -L "$link" ] || return 0
    basename "$(readlink "$link")"
}

point() {  # point PREFIX/<link> at releases/<name>, atomically (rename over the old link)
    local link=$1 name=$2
    ln -sfn "releases/$name" "$PREFIX/.$link.new"
    mv -fT "$PREFIX/.$link.new" "$PREFIX/$link"
}

valid_name() {
    [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$ ]]
}

self_test() {  # run a release's own self-test; prints its report
    local dir=$1
    local -a as_user=()
    # As the kiosk user when we can (what the service will be), never as root's GUI.
    if [ "$(id -u)" = 0 ] && id "$RUN_AS" >/dev/null 2>&1 && command -v runuser >/dev/null; then
        as_user=(runuser -u "$RUN_AS" --)
    fi
    # HOME and caches in /tmp: the release must not need the kiosk's home to pass.
    (cd / && "${as_user[@]}" env QT_QPA_PLATFORM=offscreen TMPDIR="${TMPDIR:-/tmp}" \
        HOME="${TMPDIR:-/tmp}" XDG_CACHE_HOME="${TMPDIR:-/tmp}" \
        timeout "$SELF_TEST_TIMEOUT" "$dir/civic-kiosk" --self-test)
}

service_known() {
    [ "$RESTART" = 1 ] && command -v systemctl >/dev/null 2>&1 &&
        systemctl cat "$SERVICE" >/dev/null 2>&1
}

restart_and_watch() {  # restart the service; succeed if it stays up for SETTLE seconds
    service_known || { say "not restarting $SERVICE (--no-restart or not installed)"; return 0; }
    systemctl restart "$SERVICE"
    local before after
    before=$(systemctl show -p NRestarts --value "$SERVICE")
    sleep "$SETTLE"
    after=$(systemctl show -p NRestarts --value "$SERVICE")
    if [ "$(systemctl is-active "$SERVICE")" = active ] && [ "$before" = "$after" ]; then
        say "$SERVICE is running"
        return 0
    fi
    say "$SERVICE did not stay up ($before -> $after restarts)"
    return 1
}

prune() {  # keep the newest KEEP releases, and always current and previous
    local current previous name
    current=$(release_of current)
    previous=$(release_of previous)
    local -a all=()
    mapfile -t all < <(ls -1t "$PREFIX/releases")
    local kept=0
    for name in "${all[@]}"; do
        if [ "$name" = "$current" ] || [ "$name" = "$previous" ]; then
            kept=$((kept + 1))
        fi
    done
    for name in "${all[@]}"; do
        [ "$name" = "$current" ] || [ "$name" = "$previous" ] && continue
        if [ "$kept" -lt "$KEEP" ]; then
            kept=$((kept + 1))
        else
            say "removing old release $name"
            rm -rf -- "${PREFIX:?}/releases/$name"
        fi
    done
}

# --- commands -------------------------------------------------------------------------

unpack() {  # BUNDLE -> a fresh directory under releases/ (same filesystem: mv is a rename)
    local source=$1 target=$2
    mkdir -p "$target"
    if [ -d "$source" ]; then
        cp -a "$source/." "$target/"
    elif [ -f "$source" ]; then
        # The archive holds one top directory, civic-kiosk/ (installer/build_bundle.py --archive).
        tar -xzf "$source" -C "$target" --strip-components=1 --no-same-owner
    else
        die "no such bundle: $source"
    fi
    [ -x "$target/civic-kiosk" ] || die "$source is not a kiosk bundle (no civic-kiosk executable)"
    [ -f "$target/VERSION" ] || die "$source has no VERSION file"
}

cmd_install() {
    local source=$1
    mkdir -p "$PREFIX/releases"
    INCOMING=$(mktemp -d "$PREFIX/releases/.incoming.XXXXXX")
    trap 'rm -rf -- "$INCOMING"' EXIT
    chmod 0755 "$PREFIX" "$PREFIX/releases" "$INCOMING"  # the kiosk user runs the self-test
    unpack "$source" "$INCOMING"
    local name
    name=$(tr -d '[:space:]' <"$INCOMING/VERSION")
    valid_name "$name" || die "bad release name in VERSION: '$name'"
    local current
    current=$(release_of current)
    if [ -e "$PREFIX/releases/$name" ]; then
        [ "$FORCE" = 1 ] || die "release $name is already installed (use --force to reinstall)"
        [ "$name" != "$current" ] || die "release $name is the current one; install another first"
    fi

    say "self-test of release $name"
    if ! self_test "$INCOMING"; then
        die "release $name failed its self-test; still on ${current:-nothing}"
    fi

    rm -rf -- "${PREFIX:?}/releases/$name"
    mv -T "$INCOMING" "$PREFIX/releases/$name"
    trap - EXIT
    touch "$PREFIX/releases/$name"  # cp -a kept the bundle's old mtime; prune sorts by install time
    if [ -n "$current" ]; then
        point previous "$current"
    fi
    point current "$name"
    say "current release: $name (previous: ${current:-none})"

    if ! restart_and_watch; then
        if [ -n "$current" ]; then
            say "rolling back to $current"
            point current "$current"
            point previous "$name"
            restart_and_watch || true
        fi
        die "release $name did not run; current is ${current:-none}"
    fi
    prune
}

cmd_rollback() {
    local current previous
    current=$(release_of current)
    previous=$(release_of previous)
    if [ -z "$previous" ] || [ ! -d "$PREFIX/releases/$previous" ]; then
        die "no previous release to roll back to"
    fi
    point current "$previous"
    point previous "$current"
    say "current release: $previous (was $current)"
    restart_and_watch || die "release $previous did not run after the rollback either"
}

cmd_status() {
    local current previous name mark
    current=$(release_of current)
    previous=$(release_of previous)
    [ -d "$PREFIX/releases" ] || { say "nothing installed under $PREFIX"; return 0; }
    while read -r name; do
        mark=""
        [ "$name" = "$current" ] && mark=" (current)"
        [ "$name" = "$previous" ] && mark=" (previous)"
        printf '%s%s\n' "$name" "$mark"
    done < <(ls -1t "$PREFIX/releases")
}

# --- main -----------------------------------------------------------------------------

while [ $# -gt 0 ]; do
    case $1 in
        --prefix) PREFIX=${2:?--prefix needs a directory}; shift 2 ;;
        --keep) KEEP=${2:?--keep needs a number}; shift 2 ;;
        --settle) SETTLE=${2:?--settle needs seconds}; shift 2 ;;
        --no-restart) RESTART=0; shift ;;
        --force) FORCE=1; shift ;;
        -h|--help) usage ;;
        --*) die "unknown option $1" ;;
        *) break ;;
    esac
done
if ! [[ $KEEP =~ ^[0-9]+$ ]] || [ "$KEEP" -lt 2 ]; then
    die "--keep must be 2 or more"
fi

case ${1:-} in
    install) [ $# -eq 2 ] || usage; cmd_install "$2" ;;
    rollback) [ $# -eq 1 ] || usage; cmd_rollback ;;
    status) [ $# -eq 1 ] || usage; cmd_status ;;
    *) usage ;;
esac

#!/bin/bash
# Turn a fresh Debian 12 / Ubuntu 24.04 machine into a Civic Kiosk.
#
#   sudo installer/linux/setup-kiosk.sh --bundle civic-kiosk-0.1.0-linux-x86_64.tar.gz \
#        [--config kiosk.toml] [--user kiosk] [--display-manager lightdm|gdm3]
#   installer/linux/setup-kiosk.sh --root DIR ...   write the files under DIR only
#
# What it does, in order (each step can be run again safely):
#   1. installs the runtime libraries the bundle links (runtime-packages.txt),
#      a bare X server, the display manager, xset and unclutter, the sound
#      server, and the programs it runs (eSpeak NG for the voice, pactl);
#   2. creates the unprivileged kiosk user (no password, no sudo; groups
#      video and audio for the camera and the speaker);
#   3. installs the minimal X session (kiosk-session) and makes the display
#      manager log the kiosk user into it automatically, with the X server's
#      screen saver and power saving off and VT switching/zapping disabled;
#   4. installs the bundle with update.sh (self-test first), and update.sh
#      itself as /usr/local/sbin/civic-kiosk-update;
#   5. writes /etc/civic-kiosk/kiosk.toml if there is none (from --config or
#      a template), installs civic-kiosk.service with a drop-in for this
#      machine's kiosk user, enables it and boots into graphical.target.
#
# --root DIR writes every file under DIR and runs no package manager, user or
# systemctl command (it prints them instead): for review and for the tests.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
KIOSK_USER=kiosk
DM=lightdm
BUNDLE=""
CONFIG=""
ROOT=""

say() { printf 'setup-kiosk: %s\n' "$*"; }
die() { printf 'setup-kiosk: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case $1 in
        --bundle) BUNDLE=${2:?}; shift 2 ;;
        --config) CONFIG=${2:?}; shift 2 ;;
        --user) KIOSK_USER=${2:?}; shift 2 ;;
        --display-manager) DM=${2:?}; shift 2 ;;
        --root) ROOT=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done
case $DM in lightdm|gdm3) ;; *) die "--display-manager is lightdm or gdm3" ;; esac
[[ $KIOSK_USER =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || die "not a user name: $KIOSK_USER"
if [ -z "$ROOT" ] && [ "$(id -u)" != 0 ]; then
    die "run as root (or with --root DIR to only write the files)"
fi

run() {  # a command that changes the system; only printed with --root
    if [ -n "$ROOT" ]; then
        printf 'would run: %s\n' "$*"
    else
        "$@"
    fi
}

put() {  # put FILE MODE: write stdin to ROOT/FILE
    local path=$ROOT$1
    mkdir -p "$(dirname "$path")"
    cat >"$path"
    chmod "$2" "$path"
}

# --- 1. packages ----------------------------------------------------------------------

apt_name() {  # the package's name here: Debian 13 / Ubuntu 24.04 renamed many to *t64
    local name=$1
    if [ -n "$ROOT" ] || apt-cache show "$name" >/dev/null 2>&1; then
        printf '%s\n' "$name"
    elif apt-cache show "${name}t64" >/dev/null 2>&1; then
        printf '%s\n' "${name}t64"
    else
        die "no package $name (nor ${name}t64) in the apt sources"
    fi
}

install_packages() {
    local -a wanted=() packages=()
    mapfile -t wanted < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$HERE/runtime-packages.txt")
    # The session: a bare X server with input drivers, the display manager,
    # xset (blanking) and xrandr + xinput (turning the display and its touch
    # input, ui/display.py), unclutter (pointer), the sound server (the voice and
    # earphone detection; eSpeak NG and pactl are in runtime-packages.txt).
    wanted+=(xserver-xorg-core xserver-xorg-input-libinput x11-xserver-utils xinput unclutter
        pulseaudio "$DM")
    run apt-get update -qq
    local name
    for name in "${wanted[@]}"; do
        packages+=("$(apt_name "$name")")
    done
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${packages[@]}"
}

# --- 2. user ---------------------------------------------------------------------------

create_user() {
    if [ -z "$ROOT" ] && id "$KIOSK_USER" >/dev/null 2>&1; then
        say "user $KIOSK_USER exists"
    else
        # A real login shell: display managers start sessions through it. No
        # password (locked), so nobody logs in as it except by autologin.
        run useradd --create-home --shell /bin/bash --user-group \
            --comment "Civic Kiosk" "$KIOSK_USER"
    fi
    run passwd --lock "$KIOSK_USER"
    # dialout: a serial slip printer (/dev/ttyS*, /dev/ttyUSB*). A USB printer needs a
    # udev rule for its vendor:product id (docs/deploy-kiosk-linux.md, "Slip printer").
    run usermod --append --groups video,audio,dialout "$KIOSK_USER"
}

# --- 3. session and autologin ------------------------------------------------------------

install_session() {
    put /usr/local/lib/civic-kiosk/kiosk-session 0755 <"$HERE/kiosk-session.sh"
    put /usr/share/xsessions/civic-kiosk.desktop 0644 <"$HERE/civic-kiosk.desktop"
    # Ctrl+Alt+Backspace and Ctrl+Alt+F1.. would give a passer-by a login prompt.
    put /etc/X11/xorg.conf.d/10-civic-kiosk.conf 0644 <<'EOF'
# Civic Kiosk: no way out of the kiosk session from the keyboard.
Section "ServerFlags"
    Option "DontVTSwitch" "true"
    Option "DontZap" "true"
    Option "BlankTime" "0"
    Option "StandbyTime" "0"
    Option "SuspendTime" "0"
    Option "OffTime" "0"
EndSection
EOF
    if [ "$DM" = lightdm ]; then
        put /etc/lightdm/lightdm.conf.d/50-civic-kiosk.conf 0644 <<EOF
# Civic Kiosk: log the kiosk user straight into the kiosk session.
[Seat:*]
autologin-user=$KIOSK_USER
autologin-user-timeout=0
autologin-session=civic-kiosk
user-session=civic-kiosk
# No screen saver (-s 0), no monitor power saving (-dpms), no pointer on a
# touch screen (-nocursor).
xserver-command=X -s 0 -dpms -nocursor
EOF
        XAUTH=/home/$KIOSK_USER/.Xauthority
    else
        # GDM: X11, not Wayland (the kiosk runs on xcb), and the session is
        # chosen per user through AccountsService.
        put /etc/gdm3/daemon.conf 0644 <<EOF
# Civic Kiosk (written by setup-kiosk.sh)
[daemon]
WaylandEnable=false
AutomaticLoginEnable=true
AutomaticLogin=$KIOSK_USER
EOF
        put "/var/lib/AccountsService/users/$KIOSK_USER" 0644 <<'EOF'
[User]
Session=civic-kiosk
XSession=civic-kiosk
SystemAccount=false
EOF
        XAUTH=""  # GDM keeps it in the user's runtime dir; found through the drop-in below
    fi
}

# --- 4. the program ------------------------------------------------------------------------

install_bundle() {
    put /usr/local/sbin/civic-kiosk-update 0755 <"$HERE/update.sh"
    if [ -z "$BUNDLE" ]; then
        say "no --bundle given: install one later with civic-kiosk-update install FILE"
        return
    fi
    # Restarting comes at the end, once the unit is in place.
    run "$ROOT/usr/local/sbin/civic-kiosk-update" --no-restart install "$BUNDLE"
}

# --- 5. settings and service -------------------------------------------------------------

install_service() {
    local uid
    if [ -n "$ROOT" ]; then uid=1000; else uid=$(id -u "$KIOSK_USER"); fi
    if [ -n "$CONFIG" ]; then
        put /etc/civic-kiosk/kiosk.toml 0644 <"$CONFIG"
    elif [ ! -e "$ROOT/etc/civic-kiosk/kiosk.toml" ]; then
        put /etc/civic-kiosk/kiosk.toml 0644 <<'EOF'
# Civic Kiosk settings (README "Configuration"). Enrol the kiosk once with:
#   sudo -u kiosk CIVIC_KIOSK_CONFIG=/etc/civic-kiosk/kiosk.toml \
#        CIVIC_KIOSK_DATA_DIR=/var/lib/civic-kiosk \
#        /opt/civic-kiosk/current/civic-kiosk enroll --code XXXX-XXXX-XXXX
office_name = ""
server_url = "https://kiosk.seoul.example"
language = "ko"
EOF
    fi
    # Staff save changed settings from the kiosk's staff screen (atomic replace).
    run chown -R "$KIOSK_USER:$KIOSK_USER" "$ROOT/etc/civic-kiosk"
    put /etc/systemd/system/civic-kiosk.service 0644 <"$HERE/civic-kiosk.service"
    local xauthority=${XAUTH:-/run/user/$uid/gdm/Xauthority}
    put /etc/systemd/system/civic-kiosk.service.d/session.conf 0644 <<EOF
# This machine's kiosk user (written by setup-kiosk.sh).
[Service]
User=$KIOSK_USER
Group=$KIOSK_USER
Environment=XAUTHORITY=$xauthority
# The PulseAudio (or PipeWire) sound server of the user's autologin session.
Environment=XDG_RUNTIME_DIR=/run/user/$uid
EOF
    run systemctl daemon-reload
    run systemctl set-default graphical.target
    run systemctl enable "$DM.service" civic-kiosk.service
}

install_packages
create_user
install_session
install_bundle
install_service
if [ -z "$ROOT" ]; then
    say "done: reboot, or: systemctl restart $DM && systemctl restart civic-kiosk"
else
    say "files written under $ROOT"
fi

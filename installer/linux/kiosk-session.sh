#!/bin/sh
# The kiosk user's X session (installed as /usr/local/lib/civic-kiosk/kiosk-session
# and offered to the display manager as /usr/share/xsessions/civic-kiosk.desktop).
#
# It does not start the kiosk program: systemd does (civic-kiosk.service), so
# the program is restarted, logged and updated the same way whatever happens
# here. The session only keeps the X display alive and awake.
set -u

# No screen saver, no blanking, no monitor power saving (the X server is also
# started with "-s 0 -dpms" by the display manager configuration).
xset s off s noblank -dpms 2>/dev/null || true
# A touch screen needs no pointer; a technician's mouse still works.
if command -v unclutter >/dev/null 2>&1; then
    unclutter -idle 1 -root &
fi

# The session lasts as long as this process: wait forever, quietly. When the
# display manager ends the session, it signals us and the X server goes away;
# civic-kiosk.service then waits for the next one.
while :; do
    sleep 3600
done

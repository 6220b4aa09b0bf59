#!/bin/sh
# Install cmagent on a Debian machine the way its package will: a virtual environment under
# /opt/azcmagent made from wheels (WHEELS, default /run/wheels; no package index needed), the
# commands on the PATH, the himds service account, the directories of /var/opt/azcmagent with
# the owners and modes himds needs, and the himdsd service enabled. Run as root.
set -eu
WHEELS=${WHEELS:-/run/wheels}
HERE=$(dirname "$0")

python3 -m venv /opt/azcmagent
/opt/azcmagent/bin/pip install --quiet --disable-pip-version-check --no-index \
    --find-links "$WHEELS" cmagent
ln -sf /opt/azcmagent/bin/azcmagent /usr/bin/azcmagent

getent group himds >/dev/null || groupadd --system himds
getent passwd himds >/dev/null || useradd --system --gid himds --no-create-home \
    --home-dir /var/opt/azcmagent --shell /usr/sbin/nologin himds
getent passwd arcproxy >/dev/null || useradd --system --gid himds --no-create-home \
    --home-dir /nonexistent --shell /usr/sbin/nologin arcproxy

install -d -o himds -g himds -m 0755 /var/opt/azcmagent
install -d -o himds -g himds -m 0750 /var/opt/azcmagent/certs /var/opt/azcmagent/socks
install -d -o himds -g himds -m 0775 /var/opt/azcmagent/log
install -d -o himds -g himds -m 0770 /var/opt/azcmagent/tokens

install -m 0644 "$HERE/himdsd.service" /lib/systemd/system/himdsd.service
install -d /lib/systemd/system.conf.d
install -m 0644 "$HERE/azcmagent-environment.conf" /lib/systemd/system.conf.d/azcmagent.conf
systemctl enable himdsd.service

#!/bin/sh
# Install what meldpunt needs to build, test and run its demo on Debian 12.
# Safe to run again: apt-get skips what is installed. Runs as root (or sudo).
set -eu

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

PKGS="autoconf automake libtool pkg-config make gcc libc6-dev
      libmilter-dev libssl-dev libspf2-dev libopendkim-dev libgdbm-dev
      libgmime-3.0-dev libyaml-dev libjansson-dev libzip-dev libcsv-dev check
      postfix swaks opendkim opendkim-tools miltertest python3-dkim openssl
      clang libclang-rt-14-dev iproute2 procps valgrind
      sasl2-bin libsasl2-modules libmail-dkim-perl libnet-ssleay-perl adduser"
# tests/e2e/t-sendmail.sh: m4 for the .cf, unshare/nsenter/flock
PKGS="$PKGS m4 util-linux"

# Sendmail for tests/e2e/t-sendmail.sh, unpacked into a private prefix
# (/var/cache/meldpunt-test/sendmail), never installed: sendmail-bin would
# replace Postfix. Skipped when already there.
sendmail_private() { $SUDO "$(dirname "$0")/sendmail-private.sh" >/dev/null; }

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -n "$missing" ] || { sendmail_private; exit 0; }

echo "deps: installing:$missing" >&2
# Postfix asks a debconf question: answer "No configuration" so that no
# system instance is set up; the tests run their own private instance.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
echo "postfix postfix/mailname string meldpunt.test" | $SUDO debconf-set-selections
$SUDO apt-get update
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
sendmail_private

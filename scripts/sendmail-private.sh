#!/bin/sh
# sendmail-private.sh - Debian's Sendmail unpacked into a private prefix, for
# the end-to-end tests (tests/e2e/sendmail-harness.sh), without installing it.
#
#   scripts/sendmail-private.sh [DIR]
#
# DIR defaults to $MELDPUNT_SENDMAIL_DIR, else /var/cache/meldpunt-test/sendmail.
# Installing sendmail-bin would remove Postfix (both are mail-transport-agent),
# so the packages are fetched with `apt-get download` and unpacked with
# `dpkg -x`: sendmail-bin (the binary, in DIR/usr/libexec/sendmail), sendmail-cf
# (the m4 files, DIR/usr/share/sendmail/cf), and the two libraries it needs that
# a Postfix machine lacks, libwrap0 and liblockfile1 (DIR/usr/lib/<triplet>,
# for LD_LIBRARY_PATH). The setgid bit of the private copies is dropped: the
# loader ignores LD_LIBRARY_PATH for set-id programs.
#
# Idempotent: nothing is done when DIR/.complete exists. Concurrent runs are
# serialised by a lock next to DIR; a run that fails leaves no DIR behind.
# Prints DIR on success. Needs root (or write access to DIR's parent) and the
# apt lists (apt-get update). Called by scripts/deps.sh and by the test.
set -eu

DIR=${1:-${MELDPUNT_SENDMAIL_DIR:-/var/cache/meldpunt-test/sendmail}}
PKGS="sendmail-bin sendmail-cf libwrap0 liblockfile1"

unpacked() { [ -f "$DIR/.complete" ] && [ -x "$DIR/usr/libexec/sendmail/sendmail" ]; }

if unpacked; then
	echo "$DIR"
	exit 0
fi
parent=$(dirname "$DIR")
mkdir -p "$parent"
exec 9>"$DIR.lock"
flock -w 300 9 || { echo "sendmail-private: $DIR.lock: still locked after 300 s" >&2; exit 1; }
if unpacked; then	# another run did it while we waited
	echo "$DIR"
	exit 0
fi

tmp=$(mktemp -d "$parent/.sendmail-private.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/debs" "$tmp/root"
# apt-get download drops to _apt when it can write the directory.
chown _apt "$tmp/debs" 2>/dev/null || true
# shellcheck disable=SC2086
# Stale or missing package lists (deps.sh updates them only when it installs
# something): one apt-get update, then one more try.
( cd "$tmp/debs" && apt-get download -q $PKGS ) >"$tmp/download.log" 2>&1 ||
( apt-get update -q && cd "$tmp/debs" && apt-get download -q $PKGS ) >>"$tmp/download.log" 2>&1 || {
	cat "$tmp/download.log" >&2
	echo "sendmail-private: apt-get download $PKGS failed, after apt-get update too" >&2
	exit 1
}
for deb in "$tmp"/debs/*.deb; do
	dpkg -x "$deb" "$tmp/root"
done
chmod -R ug-s "$tmp/root/usr/libexec/sendmail"
for deb in "$tmp"/debs/*.deb; do
	dpkg-deb -f "$deb" Package Version | paste -sd' '
done >"$tmp/root/.complete"
rm -rf "$DIR"
mv "$tmp/root" "$DIR"
echo "$DIR"

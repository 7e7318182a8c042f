# tap.sh - tiny TAP producer for shell tests (sourced)
#
#   plan N | ok COND-EXIT "what" | is GOT WANT "what" | like GOT REGEX "what"
#   skip_all "why" | diag "text" | done_testing
# Exits non-zero at the end when any test failed.

_tap_n=0
_tap_failed=0

plan() { echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
diag() { printf '# %s\n' "$@"; }

_tap_result() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

# ok "what" COMMAND...: passes when the command succeeds
ok() {
	_what=$1; shift
	if "$@"; then _tap_result 0 "$_what"; else _tap_result 1 "$_what"; fi
}

is() {
	if [ "$1" = "$2" ]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "got:  '$1'" "want: '$2'"
	fi
}

like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "got:  '$1'" "want match: /$2/"
	fi
}

unlike() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		_tap_result 1 "$3"
		diag "got:  '$1'" "must not match: /$2/"
	else
		_tap_result 0 "$3"
	fi
}

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

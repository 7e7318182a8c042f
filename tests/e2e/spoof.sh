# spoof.sh - the table of attempts to send as the clearinghouse,
# for any MTA harness (sourced by bash tests; Postfix: t-identity.sh).
#
#   spoof_attempts                 the table without comments: one attempt a
#                                  line, NAME VIA SENDER EXPECT FROM, TABs
#   spoof_message NAME FROM TPL    the attempt's message on stdout: TPL with
#                                  its From replaced, Message-ID made unique
#   spoof_msgid NAME               that Message-ID
#
# The columns are described in tests/e2e/data/spoof-attempts.

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
SPOOF_TABLE=${SPOOF_TABLE:-$top_srcdir/tests/e2e/data/spoof-attempts}

spoof_attempts() {
	grep -v -e '^#' -e '^[[:space:]]*$' "$SPOOF_TABLE"
}

spoof_msgid() {
	printf '<spoof-%s@example.net>' "$1"
}

spoof_message() {
	local name=$1 from=$2 tpl=$3
	printf 'From: %b\n' "$from"
	sed -e '/^From:/d' -e "s/^Message-ID: .*/Message-ID: $(spoof_msgid "$name")/" "$tpl"
}

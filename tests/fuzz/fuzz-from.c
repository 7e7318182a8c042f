/*
 * NAME
 *	fuzz-from - the strict From parser and the identity decision over it
 * DESCRIPTION
 *	Input: one or more From values separated by NUL bytes (at most 4 are
 *	used). The sender is an outsider: a SASL login IdentityMap does not
 *	know, so whatever speaks for meldpunt.nl must be refused.
 *
 *	Besides "no crash, no line break in a reason", two properties:
 *
 *	1. When the decision says "does not speak for a protected domain"
 *	   (accepted, not protected), no field mentions meldpunt.nl once
 *	   read as a mail reader would: encoded words decoded in their
 *	   declared charset by GMime's decoder (not ours), compatibility
 *	   forms folded with glib's decomposition, '@'/'.' look-alikes
 *	   (U+FF20, U+FE6B, U+FF0E, U+3002, U+FF61) read as '@'/'.',
 *	   invisible format characters and combining marks skipped.
 *	   Written apart from lib/auth/identity.c on purpose: it must not
 *	   share its mistakes.
 *	2. Differential against GMime's own address parser
 *	   (internet_address_list_parse, groups walked): whenever it finds
 *	   a mailbox whose domain is meldpunt.nl or below, the decision is
 *	   not "does not speak for a protected domain".
 *
 *	A violation aborts, so libFuzzer keeps the input.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PROTECTED	"meldpunt.nl"
#define MAX_FIELDS	4

/* ---- property 1: an independent reading of a whole field ---- */

/* One code point as a reader takes it: 0 means "invisible". */
static gunichar
skeleton_char(gunichar c)
{
	gunichar dec[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
	gsize n;

	switch (c) {
	case 0x3002: case 0xff61: case 0xfe12:	/* ideographic full stops */
		return '.';
	}
	if (g_unichar_type(c) == G_UNICODE_FORMAT)
		return 0;
	/* A combining mark of its own sits on the character before it:
	 * no gap a reader could see, so no label boundary either. */
	if (g_unichar_ismark(c))
		return 0;
	n = g_unichar_fully_decompose(c, TRUE, dec, G_N_ELEMENTS(dec));
	if (n == 1)			/* ＠ ﹫ ． ａ ... */
		c = dec[0];
	else if (n > 1 && dec[0] < 0x80 && g_unichar_ismark(dec[1]))
		c = dec[0];		/* a letter with an accent on it */
	if (c == 0x3002)
		return '.';
	if (c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	return c;
}

/* The field unfolded, decoded by GMime, mapped to its skeleton (ASCII
 * kept, another letter or digit one 'x', anything else one '#'). */
static char *
skeleton(const char *field)
{
	GString *unfolded = g_string_new(NULL), *out = g_string_new(NULL);
	const char *p;
	char *dec, *valid;

	for (p = field; *p != '\0'; p++)
		if (*p != '\r' && *p != '\n')
			g_string_append_c(unfolded, *p);
	dec = g_mime_utils_header_decode_text(NULL, unfolded->str);
	valid = g_utf8_make_valid(dec != NULL ? dec : unfolded->str, -1);
	for (p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = skeleton_char(g_utf8_get_char(p));

		if (c == 0)
			continue;
		/* A letter of another script is still a letter: it ends no
		 * label ("еmeldpunt.nl" with a Cyrillic е names no protected
		 * domain). 'x' is not among the letters of PROTECTED. */
		g_string_append_c(out, c < 0x80 ? (char)c : g_unichar_isalnum(c) ? 'x' : '#');
	}
	g_free(valid);
	g_free(dec);
	g_string_free(unfolded, TRUE);
	return g_string_free(out, FALSE);
}

static int
label_char(char c)
{
	return c != '\0' && strchr("abcdefghijklmnopqrstuvwxyz0123456789", c) != NULL;
}

/* PROTECTED in `sk` with no letter or digit right before or after. */
static int
skeleton_mentions(const char *sk)
{
	const char *hit;
	size_t n = strlen(PROTECTED);

	for (hit = strstr(sk, PROTECTED); hit != NULL; hit = strstr(hit + 1, PROTECTED))
		if ((hit == sk || !label_char(hit[-1])) && !label_char(hit[n]))
			return 1;
	return 0;
}

/* ---- property 2: GMime's address parser ---- */

static int
domain_protected(const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;
	char *sk;
	size_t n, pl = strlen(PROTECTED);
	int hit;

	if (at == NULL)
		return 0;
	sk = skeleton(at + 1);
	n = strlen(sk);
	while (n > 0 && sk[n - 1] == '.')
		sk[--n] = '\0';
	hit = n >= pl && strcmp(sk + n - pl, PROTECTED) == 0 &&
	    (n == pl || sk[n - pl - 1] == '.');
	g_free(sk);
	return hit;
}

static int
list_protected(InternetAddressList *l, int depth)
{
	int i, n = l != NULL ? internet_address_list_length(l) : 0;

	for (i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(a) && domain_protected(
		    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a))))
			return 1;
		if (INTERNET_ADDRESS_IS_GROUP(a) && depth < 8 && list_protected(
		    internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), depth + 1))
			return 1;
	}
	return 0;
}

static int
gmime_finds_protected(const char *field)
{
	InternetAddressList *l = internet_address_list_parse(NULL, field);
	int hit = list_protected(l, 0);

	if (l != NULL)
		g_object_unref(l);
	return hit;
}

/* ---- the target ---- */

/* Says which property broke, and on what, before libFuzzer keeps it. */
static void
violation(const char *what, const struct mp_identity_decision *d, const char *seen)
{
	fprintf(stderr, "fuzz-from: %s\n  decision: %s (%s)\n  read as: %s\n", what,
	    d->verdict == MP_IDENTITY_ACCEPT ? "accept" : "reject", d->reason,
	    seen != NULL ? seen : "");
	abort();
}

static void
check_parse(const char *v, size_t len)
{
	struct mp_from f;
	struct mp_error err;
	size_t i;

	if (mp_from_parse(v, len, &f, &err) != 0)
		return;
	for (i = 0; i < f.n; i++)
		if (strlen(f.mbox[i].addr) > MP_ADDR_MAX || strchr(f.mbox[i].addr, '\n') ||
		    !g_utf8_validate(f.mbox[i].display, -1, NULL))
			abort();
	mp_from_clear(&f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *pd[] = { PROTECTED, NULL };
	static char *daemons[] = { "ORIGINATING", NULL };
	static int gmime_ready;
	struct mp_identity_policy pol = { pd, NULL, NULL, daemons };
	struct mp_identity_decision d;
	const char *from[MAX_FIELDS];
	char *copy = malloc(size + 1), *sk;
	size_t n = 0, seen = 0, i;

	if (copy == NULL)
		return 0;
	if (!gmime_ready) {
		g_mime_init();
		gmime_ready = 1;
	}
	memcpy(copy, data, size);
	copy[size] = '\0';
	check_parse(copy, size);
	/* Like the envelope: the first MAX_FIELDS kept, all counted. */
	for (i = 0; i <= size; i += strlen(copy + i) + 1, seen++)
		if (n < MAX_FIELDS)
			from[n++] = copy + i;
	{
		struct mp_identity_input in = { "user", "smtpd", "127.0.0.1",
		    "x@example.org", from, n, seen, NULL };

		if (mp_identity_decide(&pol, &in, &d) != 0) {
			free(copy);
			return 0;
		}
	}
	if (strchr(d.reason, '\n') != NULL || strchr(d.reason, '\r') != NULL)
		violation("a line break in the reason", &d, NULL);
	if (d.verdict == MP_IDENTITY_ACCEPT && d.protected)
		violation("an outsider may speak for a protected domain", &d, NULL);
	for (i = 0; d.verdict == MP_IDENTITY_ACCEPT && i < n; i++) {
		sk = skeleton(from[i]);
		if (skeleton_mentions(sk))
			violation("not ours, but a field names " PROTECTED, &d, sk);
		g_free(sk);
		if (gmime_finds_protected(from[i]))
			violation("not ours, but GMime finds an address in " PROTECTED,
			    &d, from[i]);
	}
	free(copy);
	return 0;
}

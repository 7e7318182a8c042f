/*
 * identity - see identity.h
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "buf.h"
#include "text.h"
#include "identity.h"

/* ---- text as a reader sees it: look-alikes folded ---- */

/*
 * Letters that look like Latin ones in the usual fonts (Cyrillic and
 * Greek); the compatibility decomposition has already folded fullwidth,
 * small, mathematical and circled forms. Not the whole UTS #39 confusables table: enough that
 * a protected domain cannot be spelled with them.
 */
static const struct { gunichar from; char to; } lookalike[] = {
	{ 0x0131, 'i' }, { 0x0391, 'a' }, { 0x0392, 'b' }, { 0x0395, 'e' },
	{ 0x0396, 'z' }, { 0x0397, 'h' }, { 0x0399, 'i' }, { 0x039a, 'k' },
	{ 0x039c, 'm' }, { 0x039d, 'n' }, { 0x039f, 'o' }, { 0x03a1, 'p' },
	{ 0x03a4, 't' }, { 0x03a5, 'y' }, { 0x03a7, 'x' }, { 0x03b1, 'a' },
	{ 0x03b9, 'i' }, { 0x03ba, 'k' }, { 0x03bd, 'v' }, { 0x03bf, 'o' },
	{ 0x03c1, 'p' }, { 0x03c4, 't' }, { 0x03c5, 'u' }, { 0x03c7, 'x' },
	{ 0x0405, 's' }, { 0x0406, 'i' }, { 0x0408, 'j' }, { 0x0410, 'a' },
	{ 0x0412, 'b' }, { 0x0415, 'e' }, { 0x041a, 'k' }, { 0x041c, 'm' },
	{ 0x041d, 'h' }, { 0x041e, 'o' }, { 0x0420, 'p' }, { 0x0421, 'c' },
	{ 0x0422, 't' }, { 0x0425, 'x' }, { 0x0430, 'a' }, { 0x0435, 'e' },
	{ 0x043a, 'k' }, { 0x043e, 'o' }, { 0x0440, 'p' }, { 0x0441, 'c' },
	{ 0x0443, 'y' }, { 0x0445, 'x' }, { 0x0455, 's' }, { 0x0456, 'i' },
	{ 0x0458, 'j' }, { 0x04bb, 'h' }, { 0x04c0, 'l' }, { 0x04cf, 'l' },
	{ 0x0501, 'd' }, { 0x051b, 'q' }, { 0x051d, 'w' },
	/* full stops that are not '.' even after NFKC */
	{ 0x3002, '.' }, { 0xff61, '.' }, { 0xfe12, '.' },
};

static gunichar
fold_char(gunichar c)
{
	size_t i;

	for (i = 0; i < sizeof(lookalike) / sizeof(lookalike[0]); i++)
		if (lookalike[i].from == c)
			return (gunichar)lookalike[i].to;
	return c < 0x80 ? (gunichar)tolower((int)c) : c;
}

/*
 * White space next to '.' or '@' dropped: a folded "noc@meldpunt\r\n .nl"
 * shows as "noc@meldpunt .nl", which a reader takes for the address.
 */
static void
squeeze_around_dots(struct mp_buf *b)
{
	size_t i, j, o = 0;

	for (i = 0; i < b->len; i++) {
		char c = b->data[i];

		if (c == ' ' || c == '\t') {
			for (j = i; j < b->len && (b->data[j] == ' ' || b->data[j] == '\t'); j++)
				;
			if ((o > 0 && (b->data[o - 1] == '.' || b->data[o - 1] == '@')) ||
			    (j < b->len && (b->data[j] == '.' || b->data[j] == '@')))
				continue;
		}
		b->data[o++] = c;
	}
	b->len = o;
	if (b->data != NULL)
		b->data[o] = '\0';
}

/*
 * `s` (valid UTF-8) as a reader would read it, for the comparisons:
 * each character's compatibility decomposition (＠ U+FF20 and ﹫ U+FE6B
 * become '@', ． U+FF0E '.', fullwidth and mathematical letters ASCII)
 * with the accents dropped ("é" is "e"); one that decomposes into
 * several ("ﬁ", "½") is expanded when `expand`, else kept whole, since
 * a reader may see either. 。 U+3002 and ｡ U+FF61 become '.', the look-alike letters
 * above Latin, invisible format characters (zero-width space, soft
 * hyphen, BOM) dropped, ASCII in lower case, no white space next to '.'
 * or '@'. NULL when out of memory; free() it.
 */
static char *
fold_text(const char *s, int expand)
{
	gunichar dec[G_UNICHAR_MAX_DECOMPOSITION_LENGTH], keep[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
	const gchar *p;
	struct mp_buf out;
	gsize nd, nk, i;
	char u[6];
	int rc;

	mp_buf_init(&out, 0);
	rc = mp_buf_puts(&out, "");
	for (p = s; *p != '\0' && rc == 0; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_type(c) == G_UNICODE_FORMAT)
			continue;
		nd = g_unichar_fully_decompose(c, TRUE, dec, G_N_ELEMENTS(dec));
		for (i = nk = 0; i < nd; i++)
			if (!g_unichar_ismark(dec[i]))
				keep[nk++] = dec[i];
		if (nk > 1 && !expand)
			keep[0] = c, nk = 1;	/* "½" stays one character */
		for (i = 0; i < nk && rc == 0; i++)
			rc = mp_buf_append(&out, u, (size_t)g_unichar_to_utf8(fold_char(keep[i]), u));
	}
	if (rc != 0) {
		mp_buf_free(&out);
		return NULL;
	}
	squeeze_around_dots(&out);
	return out.data;
}

/* ================================================================ */
/* The decision                                                     */

static void __attribute__((format(printf, 3, 4)))
decide(struct mp_identity_decision *d, enum mp_identity_verdict v, const char *fmt, ...)
{
	va_list ap;

	d->verdict = v;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

/*
 * The protected domain that `folded` (fold_text()) names, or NULL: the
 * domain's text with no ASCII letter or digit right before or after it.
 * '-' and '.' are boundaries: "abuse-meldpunt.nl", "x.meldpunt.nl" and
 * "meldpunt.nl." name meldpunt.nl, "evilmeldpunt.nl" does not.
 */
static const char *
mentions(const char *folded, char *const *pd)
{
	size_t tl = strlen(folded), dl, i;
	const char *hit;

	for (; pd != NULL && *pd != NULL; pd++) {
		dl = strlen(*pd);
		while (dl > 0 && (*pd)[dl - 1] == '.')
			dl--;
		if (dl == 0)
			continue;
		for (i = 0; i + dl <= tl; i++) {
			hit = folded + i;
			if (strncasecmp(hit, *pd, dl) != 0)
				continue;
			if (i > 0 && isalnum((unsigned char)hit[-1]))
				continue;
			if (isalnum((unsigned char)hit[dl]))
				continue;
			return *pd;
		}
	}
	return NULL;
}

/*
 * The protected domain UTF-8 `text` names in either folding (fold_text),
 * into *named (NULL: none). MP_ENOMEM.
 */
static int
text_names(const char *text, char *const *pd, const char **named)
{
	char *a = fold_text(text, 1), *b = fold_text(text, 0);
	int rc = a != NULL && b != NULL ? 0 : MP_ENOMEM;

	*named = NULL;
	if (rc == 0 && (*named = mentions(a, pd)) == NULL)
		*named = mentions(b, pd);
	free(a);
	free(b);
	return rc;
}

/*
 * An address in a protected domain written in `text` that is not `self`:
 * "director@meldpunt.nl" <intern@meldpunt.nl> pretends as much as a
 * foreign address does. Copies it to `out`; 1 when found.
 */
static int
other_address(const char *text, const char *self, char *const *pd, char *out,
    size_t outsz)
{
	const char *at, *s, *e;
	char cand[MP_ADDR_MAX + 1], norm[MP_ADDR_MAX + 1];

	for (at = strchr(text, '@'); at != NULL; at = strchr(at + 1, '@')) {
		for (s = at; s > text && (mp_from_is_atext((unsigned char)s[-1]) || s[-1] == '.'); s--)
			;
		for (e = at + 1; *e && (isalnum((unsigned char)*e) || *e == '-' || *e == '.'); e++)
			;
		while (e > at + 1 && e[-1] == '.')
			e--;
		if (s == at || e == at + 1 || (size_t)(e - s) > MP_ADDR_MAX)
			continue;
		memcpy(cand, s, (size_t)(e - s));
		cand[e - s] = '\0';
		if (mp_addr_normalize(cand, norm, sizeof(norm)) != 0)
			continue;
		if (mp_domain_in(mp_addr_domain(norm), pd) && strcmp(norm, self) != 0) {
			snprintf(out, outsz, "%s", norm);
			return 1;
		}
	}
	return 0;
}

/*
 * A whole raw field as valid UTF-8, even one the parser refused:
 * encoded words decoded where they can be (the others left as they
 * are) when `decode`, bytes that are not UTF-8 replaced. g_free() it.
 */
static char *
raw_text(const char *raw, int decode)
{
	char *dec = NULL, *valid;

	if (!decode)
		return g_utf8_make_valid(raw, -1);
	if (mp_from_decode_text(raw, strlen(raw), 1, &dec, NULL) != 0)
		return NULL;
	valid = g_utf8_make_valid(dec, -1);
	free(dec);
	return valid;
}

/*
 * The protected domain a raw field names in either reading: decoded,
 * or as its bytes stand (mail readers decode encoded words differently,
 * and one that does not decode a word shows its text). *named is NULL
 * when it names none; MP_ENOMEM.
 */
static int
raw_mentions(const char *raw, char *const *pd, const char **named)
{
	int decode, rc = 0;
	char *t;

	*named = NULL;
	for (decode = 1; decode >= 0 && rc == 0 && *named == NULL; decode--) {
		if ((t = raw_text(raw, decode)) == NULL)
			return MP_ENOMEM;
		rc = text_names(t, pd, named);
		g_free(t);
	}
	return rc;
}

/* Whether the sender may speak for some protected domain at all. */
static int
sender_allowed(const struct mp_identity_policy *pol, const struct mp_identity_input *in)
{
	if (in->auth_authen != NULL && *in->auth_authen != '\0')
		return mp_identity_map_has_user(pol->map, in->auth_authen);
	return mp_netlist_match(pol->trusted, in->client_addr) &&
	    in->daemon_name != NULL && *in->daemon_name != '\0' &&
	    mp_addr_in(in->daemon_name, pol->submission_daemons);
}

struct facts {
	char env[MP_ADDR_MAX + 1];	/* normalized envelope sender */
	int env_prot;
	char from[MP_ADDR_MAX + 1];	/* the one From address when there is one */
	int from_prot;
	int any;		/* something speaks for a protected domain */
	size_t most;		/* most addresses in one From field */
	int unreadable;		/* some From field could not be read */
	struct mp_error why;	/* why the first one could not */
	const char *named;	/* a protected domain an unreadable field names */
};

/* The envelope sender; one that is no plain address but names a
 * protected domain ("<@relay:abuse@meldpunt.nl>") counts as protected. */
static int
envelope_facts(const struct mp_identity_policy *pol, const char *sender,
    struct facts *F)
{
	const char *named;

	if (sender == NULL || *sender == '\0')
		return 0;
	if (mp_addr_normalize(sender, F->env, sizeof(F->env)) == 0) {
		F->env_prot = F->env[0] != '\0' &&
		    mp_domain_in(mp_addr_domain(F->env), pol->protected_domains);
		return 0;
	}
	mp_text_ascii(F->env, sizeof(F->env), sender);
	if (raw_mentions(sender, pol->protected_domains, &named) != 0)
		return MP_ENOMEM;
	F->env_prot = named != NULL;
	return 0;
}

/*
 * One mailbox of a readable From field. 1 when a reject was decided,
 * 0 to go on, MP_ENOMEM. An address in a protected domain may not name
 * another protected address; any other may not name a protected domain
 * anywhere: display name, comments, local part or its own domain
 * ("abuse@meldpunt.nl.evil.example", "abuse@meldpunt．nl").
 */
static int
judge_mailbox(const struct mp_identity_policy *pol, const struct mp_mailbox *mb,
    struct facts *F, struct mp_identity_decision *d)
{
	char a[80], disp[120], other[MP_ADDR_MAX + 1];
	const char *named = NULL;
	int expand;

	if (mp_domain_in(mp_addr_domain(mb->addr), pol->protected_domains)) {
		F->any = 1;
		for (expand = 1; expand >= 0; expand--) {
			char *fd = fold_text(mb->display, expand);
			int found;

			if (fd == NULL)
				return MP_ENOMEM;
			found = other_address(fd, mb->addr, pol->protected_domains, other,
			    sizeof(other));
			free(fd);
			if (!found)
				continue;
			mp_text_ascii(a, sizeof(a), mb->addr);
			mp_text_ascii(disp, sizeof(disp), other);
			decide(d, MP_IDENTITY_REJECT, "the display name of From: names %s, "
			    "but the address is %s", disp, a);
			return 1;
		}
		return 0;
	}
	if (text_names(mb->display, pol->protected_domains, &named) != 0)
		return MP_ENOMEM;
	if (named != NULL) {
		mp_text_ascii(a, sizeof(a), mb->addr);
		mp_text_ascii(disp, sizeof(disp), mb->display);
		decide(d, MP_IDENTITY_REJECT, "the display name of From: (\"%s\") names the "
		    "protected domain %s, but the address is %s", disp, named, a);
		return 1;
	}
	if (text_names(mb->addr, pol->protected_domains, &named) != 0)
		return MP_ENOMEM;
	if (named != NULL) {
		mp_text_ascii(a, sizeof(a), mb->addr);
		decide(d, MP_IDENTITY_REJECT, "the From: address %s reads as the protected "
		    "domain %s but is not in it", a, named);
		return 1;
	}
	return 0;
}

/* A field with no protected address may not name a protected domain
 * however it is read. 1 when a reject was decided, or MP_ENOMEM. */
static int
judge_whole(const struct mp_identity_policy *pol, const char *raw, const char *addr,
    struct mp_identity_decision *d)
{
	char a[80];
	const char *named;

	if (raw_mentions(raw, pol->protected_domains, &named) != 0)
		return MP_ENOMEM;
	if (named == NULL)
		return 0;
	mp_text_ascii(a, sizeof(a), addr);
	decide(d, MP_IDENTITY_REJECT, "the From: header names the protected domain %s, "
	    "but its address is %s", named, a);
	return 1;
}

/* One From field: its mailboxes judged, or noted as unreadable. */
static int
judge_field(const struct mp_identity_policy *pol, const char *raw,
    const struct mp_from_read *r, int only, struct facts *F,
    struct mp_identity_decision *d)
{
	struct mp_from_read own;
	const char *named;
	size_t j, foreign = 0;
	int rc;

	if (r == NULL) {		/* no reading handed in: read it here */
		if (mp_from_read(raw, &own) == MP_ENOMEM)
			return MP_ENOMEM;
		r = &own;
	}
	if ((rc = r->rc) == MP_ENOMEM)
		return rc;
	if (rc != 0) {
		if (!F->unreadable++)
			F->why = r->err;
		if (raw_mentions(raw, pol->protected_domains, &named) != 0)
			return MP_ENOMEM;
		if (F->named == NULL)
			F->named = named;
		return 0;
	}
	F->most = r->f.n > F->most ? r->f.n : F->most;
	for (j = 0, rc = 0; j < r->f.n && rc == 0; j++) {
		const struct mp_mailbox *mb = &r->f.mbox[j];

		if (!mp_domain_in(mp_addr_domain(mb->addr), pol->protected_domains))
			foreign++;
		rc = judge_mailbox(pol, mb, F, d);
		if (rc == 0 && only && r->f.n == 1 && foreign == 0) {
			memcpy(F->from, mb->addr, sizeof(F->from));
			F->from_prot = 1;
		}
	}
	/* The field as a whole, as a reader may join its pieces:
	 * "abuse@meldpunt.nl"ro <x@evil.example> reads as the domain to
	 * some, as "meldpunt.nlro" to the parser. */
	if (rc == 0 && foreign == r->f.n)
		rc = judge_whole(pol, raw, r->f.mbox[0].addr, d);
	if (r == &own)
		mp_from_read_clear(&own);
	return rc;
}

/*
 * Read every From field, then judge their shape. 1 when a reject was
 * decided (or *err set); d->protected tells whether the message speaks
 * for a protected domain at all.
 */
static int
check_from(const struct mp_identity_policy *pol, const struct mp_identity_input *in,
    struct facts *F, struct mp_identity_decision *d, int *err)
{
	size_t i, seen = in->nfrom_seen > in->nfrom ? in->nfrom_seen : in->nfrom;
	int rc;

	/* Counted before anything is read: fields past the ones the MTA
	 * glue kept are never seen, so they cannot be judged harmless. */
	if (seen > 1) {
		d->protected = 1;
		decide(d, MP_IDENTITY_REJECT, "the message has %zu From: header fields; "
		    "RFC 5322 allows exactly one", seen);
		return 1;
	}
	F->any = F->env_prot;
	for (i = 0; i < in->nfrom; i++) {
		rc = judge_field(pol, in->from[i], in->read != NULL ? &in->read[i] : NULL,
		    in->nfrom == 1, F, d);
		if (rc == MP_ENOMEM) {
			*err = rc;
			return 1;
		}
		if (rc != 0) {
			d->protected = 1;
			return 1;
		}
	}
	d->protected = F->any || F->unreadable;
	if (F->unreadable && F->named != NULL)
		decide(d, MP_IDENTITY_REJECT, "the From: header names the protected domain %s "
		    "but cannot be read as one address (%s)", F->named, F->why.msg);
	else if (F->unreadable && F->env_prot)
		decide(d, MP_IDENTITY_REJECT, "the envelope sender is in a protected domain "
		    "and the From: header cannot be read (%s)", F->why.msg);
	else if (F->unreadable && !sender_allowed(pol, in))
		decide(d, MP_IDENTITY_REJECT, "the From: header cannot be read (%s); a From "
		    "that cannot be read is taken only from senders allowed to speak for "
		    "a protected domain", F->why.msg);
	else if (F->unreadable) {
		/* An allowed sender's unreadable From that names no protected
		 * domain: not ours, so it is passed but never signed. */
		d->protected = F->any;
		return 0;
	} else if (F->any && F->most > 1)
		decide(d, MP_IDENTITY_REJECT, "From: holds %zu addresses; mail in a protected "
		    "domain must have exactly one author", F->most);
	else
		return 0;
	return 1;
}

/* Whether the SASL user may use every protected address of the message. */
static void
check_sasl(const struct mp_identity_policy *pol, const struct mp_identity_input *in,
    const struct facts *F, struct mp_identity_decision *d)
{
	char user[80], a[80];
	const char *bad = NULL;

	mp_text_ascii(user, sizeof(user), in->auth_authen);
	if (!mp_identity_map_has_user(pol->map, in->auth_authen)) {
		decide(d, MP_IDENTITY_REJECT, "SASL user %s may not send as %s: the user is "
		    "not in IdentityMap", user, F->from_prot ? F->from : F->env);
		return;
	}
	if (F->from_prot && mp_identity_map_allows(pol->map, in->auth_authen, F->from) != MP_FOUND)
		bad = F->from;
	else if (F->env_prot && mp_identity_map_allows(pol->map, in->auth_authen, F->env) != MP_FOUND)
		bad = F->env;
	if (bad != NULL) {
		mp_text_ascii(a, sizeof(a), bad);
		decide(d, MP_IDENTITY_REJECT, "SASL user %s may not send as %s (not allowed "
		    "by IdentityMap)", user, a);
		return;
	}
	mp_text_ascii(a, sizeof(a), F->from_prot ? F->from : F->env);
	decide(d, MP_IDENTITY_ACCEPT, "SASL user %s is allowed %s by IdentityMap", user, a);
}

static void
check_host(const struct mp_identity_policy *pol, const struct mp_identity_input *in,
    const struct facts *F, struct mp_identity_decision *d)
{
	char client[64], daemon[64], a[80];
	int trusted = mp_netlist_match(pol->trusted, in->client_addr);
	int designated = in->daemon_name != NULL && *in->daemon_name != '\0' &&
	    mp_addr_in(in->daemon_name, pol->submission_daemons);

	mp_text_ascii(client, sizeof(client), in->client_addr ? in->client_addr : "unknown");
	mp_text_ascii(daemon, sizeof(daemon), in->daemon_name ? in->daemon_name : "");
	mp_text_ascii(a, sizeof(a), F->from_prot ? F->from : F->env);
	if (trusted && designated)
		decide(d, MP_IDENTITY_ACCEPT, "client %s is in TrustedHosts and came through "
		    "the submission service %s", client, daemon);
	else if (trusted)
		decide(d, MP_IDENTITY_REJECT, "%s is in a protected domain; client %s is in "
		    "TrustedHosts but came through service \"%s\", not a designated submission "
		    "service, and did not authenticate (a trusted address alone is no proof: "
		    "local submissions also come from 127.0.0.1)", a, client, daemon);
	else
		decide(d, MP_IDENTITY_REJECT, "%s is in a protected domain, but client %s did "
		    "not authenticate (SASL) and is not a trusted host", a, client);
}

int
mp_identity_decide(const struct mp_identity_policy *pol,
    const struct mp_identity_input *in, struct mp_identity_decision *d)
{
	struct facts F;
	int err = 0;

	memset(d, 0, sizeof(*d));
	memset(&F, 0, sizeof(F));
	if (envelope_facts(pol, in->envelope_sender, &F) != 0)
		return MP_ENOMEM;
	if (check_from(pol, in, &F, d, &err))
		return err;
	if (!d->protected) {
		decide(d, MP_IDENTITY_ACCEPT, "no protected domain in From: or the envelope sender");
		return 0;
	}
	if (in->auth_authen != NULL && *in->auth_authen != '\0')
		check_sasl(pol, in, &F, d);
	else
		check_host(pol, in, &F, d);
	return 0;
}


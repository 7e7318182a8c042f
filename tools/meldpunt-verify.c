/*
 * meldpunt-verify - tell a genuine clearinghouse notification from a fake
 *
 *	meldpunt-verify FILE.eml [--key-file TXT] [--identity ADDR] [--lang nl|en]
 *
 * Verifies the DKIM signatures (keys from DNS, or from the published TXT
 * records in a file), checks that the message has one From address, that
 * it is the clearinghouse identity (--identity) and that a valid
 * signature covering the whole body comes from the From domain (or a
 * parent of it). Prints what was checked, what passed and what failed.
 * Exit: 0 genuine, 1 not genuine, 2 unreadable or bad usage, 3 cannot
 * tell now (DNS trouble: try again later).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "align.h"
#include "buf.h"
#include "identity.h"
#include "msgsplit.h"
#include "verify.h"

#define MSG_MAX	(64UL * 1024 * 1024)

enum { GENUINE = 0, NOT_GENUINE = 1, UNREADABLE = 2, TRY_LATER = 3 };

static int nl;		/* Dutch */

#define T(en, du) (nl ? (du) : (en))

static void
usage(void)
{
	fprintf(stderr, "usage: meldpunt-verify FILE.eml [--key-file TXT] "
	    "[--identity ADDR] [--lang nl|en]\n");
	exit(UNREADABLE);
}

static void
line(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
line(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("  %s ", ok > 0 ? "[OK]  " : ok == 0 ? T("[FAIL]", "[FOUT]") : "[?]   ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int
read_file(const char *path, struct mp_buf *b)
{
	char chunk[65536];
	size_t r;
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");

	mp_buf_init(b, MSG_MAX);
	if (f == NULL) {
		fprintf(stderr, "meldpunt-verify: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (mp_buf_append(b, chunk, r) != 0) {
			fprintf(stderr, "meldpunt-verify: %s: larger than %lu bytes (limit)\n",
			    path, MSG_MAX);
			return -1;
		}
	if (ferror(f)) {
		fprintf(stderr, "meldpunt-verify: %s: read error\n", path);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

static const char *
why_text(const struct mp_dkim_sig *s)
{
	if (!nl)
		return s->why;
	switch (s->code) {
	case MP_DKIM_WHY_OK:	return s->partial ? "geldig, maar l= laat een deel van de tekst "
				    "onondertekend" : "geldig";
	case MP_DKIM_WHY_BODY:	return "de tekst is na het ondertekenen veranderd";
	case MP_DKIM_WHY_SIG:	return "een ondertekende kopregel is veranderd, of de sleutel past niet";
	case MP_DKIM_WHY_NOKEY:	return "er is geen sleutel voor gepubliceerd";
	case MP_DKIM_WHY_DNS:	return "de sleutel is nu niet op te halen (DNS-probleem)";
	default:		return s->why;
	}
}

/* The From fields' values; returns how many there are. */
static size_t
from_values(const struct mp_msg *m, char **vals, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < m->n; i++) {
		const struct mp_msg_field *f = &m->f[i];
		const char *v;

		if (!mp_msg_field_is(f, "From"))
			continue;
		v = memchr(f->p, ':', f->len) + 1;
		if (n < max)
			vals[n] = strndup(v, f->len - (size_t)(v - f->p));
		n++;
	}
	return n;
}

int
main(int argc, char **argv)
{
	const char *file = NULL, *keyfile = NULL, *identity = NULL, *lang = NULL;
	char ident[MP_ADDR_MAX + 1] = "", from_addr[MP_ADDR_MAX + 1] = "";
	char *vals[4] = { 0 };
	struct mp_error err;
	struct mp_buf msg;
	struct mp_msg m = { 0 };
	struct mp_keyfile *kf = NULL;
	struct mp_verifier *v;
	struct mp_verify_result r;
	struct mp_from f = { 0 };
	size_t nfrom, i;
	int from_ok = 0, ident_ok = 1, good = 0, retry = 0, rc;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--key-file") == 0 && i + 1 < (size_t)argc)
			keyfile = argv[++i];
		else if (strcmp(argv[i], "--identity") == 0 && i + 1 < (size_t)argc)
			identity = argv[++i];
		else if (strcmp(argv[i], "--lang") == 0 && i + 1 < (size_t)argc)
			lang = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			usage();
		else if (file == NULL)
			file = argv[i];
		else
			usage();
	}
	if (file == NULL)
		usage();
	if (lang == NULL) {
		const char *l = getenv("LC_ALL") ? getenv("LC_ALL") : getenv("LANG");

		lang = l != NULL && strncmp(l, "nl", 2) == 0 ? "nl" : "en";
	}
	if (strcmp(lang, "nl") != 0 && strcmp(lang, "en") != 0)
		usage();
	nl = strcmp(lang, "nl") == 0;
	if (identity != NULL && (mp_addr_normalize(identity, ident, sizeof(ident)) != 0 ||
	    ident[0] == '\0')) {
		fprintf(stderr, "meldpunt-verify: --identity %s is not an address\n", identity);
		return UNREADABLE;
	}
	if (read_file(file, &msg) != 0)
		return UNREADABLE;
	if (msg.len == 0 || mp_msg_split(msg.data, msg.len, MP_VERIFY_MAX_FIELDS, &m, &err) != 0 ||
	    m.n == 0) {
		fprintf(stderr, "meldpunt-verify: %s: %s\n", file, msg.len == 0 ? "empty file" :
		    m.n == 0 && err.code == 0 ? "no header fields" : err.msg);
		return UNREADABLE;
	}
	if (keyfile != NULL && (kf = mp_keyfile_load(keyfile, &err)) == NULL) {
		fprintf(stderr, "meldpunt-verify: %s\n", err.msg);
		return UNREADABLE;
	}
	v = mp_verifier_new(kf ? mp_keyfile_lookup : NULL, kf, 0, &err);
	if (v == NULL || mp_verify_message(v, msg.data, msg.len, &r, &err) != 0) {
		fprintf(stderr, "meldpunt-verify: %s: %s\n", file, err.msg);
		return err.code == MP_ERETRY ? TRY_LATER : UNREADABLE;
	}

	printf(T("Checked: %s\n", "Gecontroleerd: %s\n"), file);
	printf(T("  keys from: %s\n", "  sleutels uit: %s\n"),
	    keyfile ? keyfile : T("DNS", "DNS"));
	nfrom = from_values(&m, vals, 4);
	if (nfrom != 1)
		line(0, T("the message has %zu From: lines, a genuine one has exactly one",
		    "het bericht heeft %zu From-regels, een echt bericht precies een"), nfrom);
	else if (vals[0] == NULL || mp_from_parse(vals[0], strlen(vals[0]), &f, &err) != 0)
		line(0, T("From: cannot be read (%s)", "From is onleesbaar (%s)"),
		    vals[0] ? err.msg : "?");
	else if (f.n != 1)
		line(0, T("From: holds %zu addresses, a genuine one exactly one",
		    "From bevat %zu adressen, een echt bericht precies een"), f.n);
	else {
		from_ok = 1;
		memcpy(from_addr, f.mbox[0].addr, sizeof(from_addr));
		line(1, T("one From: address: %s", "een From-adres: %s"), from_addr);
	}
	if (from_ok && ident[0] != '\0') {
		ident_ok = strcmp(from_addr, ident) == 0;
		line(ident_ok, T("From: %s the clearinghouse identity %s",
		    "From %s het adres van het meldpunt, %s"),
		    ident_ok ? T("is", "is") : T("is not", "is niet"), ident);
	}
	if (r.n == 0)
		line(0, T("the message carries no DKIM signature", "het bericht heeft geen "
		    "DKIM-handtekening"));
	for (i = 0; i < r.n; i++) {
		const struct mp_dkim_sig *s = &r.sig[i];
		int al = from_ok && mp_dkim_aligned(s->domain, mp_addr_domain(from_addr));
		int pass = s->result == MP_DKIM_PASS && !s->partial;

		line(s->result == MP_DKIM_RETRY ? -1 : pass,
		    T("%s signature of %s (selector %s): %s", "%s-handtekening van %s "
		    "(selector %s): %s"), s->alg, s->domain, s->selector, why_text(s));
		if (pass && from_ok && !al)
			line(0, T("  ... but %s is not the From: domain %s",
			    "  ... maar %s is niet het domein van From, %s"), s->domain,
			    mp_addr_domain(from_addr));
		good += pass && al;
		retry += s->result == MP_DKIM_RETRY && al;
	}
	if (from_ok && ident_ok && good > 0) {
		rc = GENUINE;
		printf(T("Verdict: GENUINE. This message comes from %s and was not changed "
		    "on the way.\n", "Oordeel: ECHT. Dit bericht komt van %s en is onderweg "
		    "niet veranderd.\n"), mp_addr_domain(from_addr));
	} else if (from_ok && ident_ok && retry > 0) {
		rc = TRY_LATER;
		printf(T("Verdict: CANNOT TELL NOW. A signing key could not be fetched; try "
		    "again later.\n", "Oordeel: NU NIET TE ZEGGEN. Een sleutel was niet op te "
		    "halen; probeer het later opnieuw.\n"));
	} else {
		rc = NOT_GENUINE;
		printf(T("Verdict: NOT GENUINE. Do not trust this message: it was not sent "
		    "by %s as it is, or was changed afterwards.\n", "Oordeel: NIET ECHT. "
		    "Vertrouw dit bericht niet: het is niet zo door %s verstuurd, of het is "
		    "daarna veranderd.\n"), ident[0] ? mp_addr_domain(ident) :
		    from_ok ? mp_addr_domain(from_addr) : T("the clearinghouse", "het meldpunt"));
	}
	for (i = 0; i < 4; i++)
		free(vals[i]);
	mp_from_clear(&f);
	mp_msg_clear(&m);
	mp_buf_free(&msg);
	mp_verifier_free(&v);
	mp_keyfile_free(&kf);
	return rc;
}

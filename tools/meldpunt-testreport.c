/*
 * meldpunt-testreport - a sample abuse report (ARF), DKIM-signed by a test
 * reporter, for an admin's first end-to-end test of an installation.
 *
 *	meldpunt-testreport [-c CONF] [-t TO] [-f FROM] [-a ADDRESS]
 *	    [-k KEYFILE [-s SELECTOR]] [-p]
 *
 * Signing goes through lib/dkim/sign (the same code that signs notifications);
 * -p prints the DNS record of the key instead, in the line format of a
 * zone file and of DNSZoneFile. See meldpunt-testreport(1).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "sign.h"

#define DEFAULT_CONF SYSCONFDIR "/meldpunt/meldpunt.conf"

static void
usage(void)
{
	fprintf(stderr, "usage: meldpunt-testreport [-c CONF] [-t TO] [-f FROM] "
	    "[-a ADDRESS] [-k KEYFILE [-s SELECTOR]] [-p]\n"
	    "  -c CONF     take the intake address from CONF (default %s)\n"
	    "  -t TO       the intake address (instead of -c)\n"
	    "  -f FROM     the reporter (default abuse@test-reporter.invalid)\n"
	    "  -a ADDRESS  the source address reported (default 192.0.2.25)\n"
	    "  -k KEYFILE  sign as FROM's domain with this Ed25519 or RSA key\n"
	    "  -s SELECTOR the key's selector (default test)\n"
	    "  -p          print the key's DNS TXT record instead\n",
	    DEFAULT_CONF);
	exit(EX_USAGE);
}

/* The key's type is the file's: try Ed25519, then RSA. */
static struct mp_signer *
load_key(const char *domain, const char *sel, const char *key)
{
	struct mp_error err, err2;
	struct mp_signer *s;

	if ((s = mp_signer_load(domain, NULL, NULL, sel, key, &err)) != NULL)
		return s;
	if (strstr(err.msg, "where an Ed25519 key was expected") == NULL) {
		fprintf(stderr, "meldpunt-testreport: %s\n", err.msg);
		return NULL;
	}
	if ((s = mp_signer_load(domain, sel, key, NULL, NULL, &err2)) != NULL)
		return s;
	fprintf(stderr, "meldpunt-testreport: %s\n", err2.msg);
	return NULL;
}

static int
intake_from_conf(const char *path, char *to, size_t len)
{
	struct mp_error err;
	struct mp_conf *c;

	if ((c = mp_conf_load(path, &err)) == NULL) {
		fprintf(stderr, "meldpunt-testreport: %s\n", err.msg);
		return -1;
	}
	if (c->intake == NULL || c->intake[0] == NULL) {
		fprintf(stderr, "meldpunt-testreport: %s: no IntakeAddress "
		    "(or give one with -t)\n", path);
		mp_conf_free(&c);
		return -1;
	}
	snprintf(to, len, "%s", c->intake[0]);
	mp_conf_free(&c);
	return 0;
}

static int
build_report(struct mp_buf *m, const char *from, const char *to,
    const char *addr)
{
	const char *domain = strchr(from, '@') + 1;
	char date[64], id[64];
	time_t now = time(NULL);
	struct tm tm;

	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000",
	    gmtime_r(&now, &tm));
	snprintf(id, sizeof(id), "%ld.%ld", (long)now, (long)getpid());
	return mp_buf_printf(m,
	    "From: Test reporter <%s>\n"
	    "To: %s\n"
	    "Subject: meldpunt test report about %s\n"
	    "Date: %s\n"
	    "Message-ID: <testreport.%s@%s>\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=feedback-report;\n"
	    "\tboundary=\"=_meldpunt_testreport\"\n"
	    "\n"
	    "--=_meldpunt_testreport\n"
	    "Content-Type: text/plain; charset=\"US-ASCII\"\n"
	    "Content-Transfer-Encoding: 7bit\n"
	    "\n"
	    "This is a test abuse report made by meldpunt-testreport(1), about\n"
	    "spam from %s on %s.\n"
	    "\n"
	    "--=_meldpunt_testreport\n"
	    "Content-Type: message/feedback-report\n"
	    "\n"
	    "Feedback-Type: abuse\n"
	    "User-Agent: meldpunt-testreport/%s\n"
	    "Version: 1\n"
	    "Original-Mail-From: <test@spam-source.invalid>\n"
	    "Original-Rcpt-To: <%s>\n"
	    "Arrival-Date: %s\n"
	    "Source-IP: %s\n"
	    "Incidents: 1\n"
	    "\n"
	    "--=_meldpunt_testreport\n"
	    "Content-Type: text/rfc822-headers\n"
	    "\n"
	    "From: Test <test@spam-source.invalid>\n"
	    "To: %s\n"
	    "Subject: a test message reported as spam\n"
	    "Date: %s\n"
	    "Message-ID: <spam.%s@spam-source.invalid>\n"
	    "\n"
	    "--=_meldpunt_testreport--\n",
	    from, to, addr, date, id, domain, addr, date, PACKAGE_VERSION,
	    from, date, addr, from, date, id);
}

int
main(int argc, char **argv)
{
	const char *conf = NULL, *to = NULL, *from = "abuse@test-reporter.invalid";
	const char *addr = "192.0.2.25", *key = NULL, *sel = "test";
	char tobuf[512];
	struct mp_signer *s = NULL;
	struct mp_sign_out out;
	struct mp_error err;
	struct mp_buf m;
	int ch, print = 0;
	size_t i;

	while ((ch = getopt(argc, argv, "a:c:f:k:ps:t:")) != -1) {
		switch (ch) {
		case 'a': addr = optarg; break;
		case 'c': conf = optarg; break;
		case 'f': from = optarg; break;
		case 'k': key = optarg; break;
		case 'p': print = 1; break;
		case 's': sel = optarg; break;
		case 't': to = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || strchr(from, '@') == NULL ||
	    strchr(from, '@')[1] == '\0' || (print && key == NULL))
		usage();
	if (key != NULL && (s = load_key(strchr(from, '@') + 1, sel, key)) == NULL)
		return EX_DATAERR;
	if (print) {
		/* The TXT value fits one zone-file string for Ed25519; an
		 * RSA one is longer than 255 and resolvers join the parts. */
		for (i = 0; i < mp_signer_count(s); i++)
			printf("%s TXT \"%s\"\n", mp_signer_record_name(s, i),
			    mp_signer_txt(s, i));
		mp_signer_free(&s);
		return 0;
	}
	if (to == NULL) {
		if (intake_from_conf(conf ? conf : DEFAULT_CONF, tobuf,
		    sizeof(tobuf)) != 0) {
			mp_signer_free(&s);
			return EX_CONFIG;
		}
		to = tobuf;
	}
	mp_buf_init(&m, 4096);
	if (build_report(&m, from, to, addr) != 0) {
		fprintf(stderr, "meldpunt-testreport: out of memory\n");
		return EX_OSERR;
	}
	if (s != NULL) {
		if (mp_sign_message(s, m.data, m.len, &out, &err) != 0) {
			fprintf(stderr, "meldpunt-testreport: %s\n", err.msg);
			return EX_SOFTWARE;
		}
		for (i = 0; i < out.n; i++)
			printf("%s: %s\n", out.hdr[i].name, out.hdr[i].value);
		mp_sign_out_clear(&out);
		mp_signer_free(&s);
	}
	fwrite(m.data, 1, m.len, stdout);
	mp_buf_free(&m);
	return fflush(stdout) == 0 ? 0 : EX_IOERR;
}

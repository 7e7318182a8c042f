/*
 * report - the model: names, freeing, and the one type-mapping table
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "report.h"

static const char *const type_names[MP_TYPE_COUNT] = {
	[MP_TYPE_OTHER] = "other",
	[MP_TYPE_MALWARE] = "malware",
	[MP_TYPE_VULNERABLE_SERVICE] = "vulnerable-service",
	[MP_TYPE_OPEN_SERVICE] = "open-service",
	[MP_TYPE_LOGIN_ATTACK] = "login-attack",
	[MP_TYPE_SPAM] = "spam",
	[MP_TYPE_PHISHING] = "phishing",
	[MP_TYPE_LEAKED_CREDENTIALS] = "leaked-credentials",
	[MP_TYPE_COMPROMISED_WEBSITE] = "compromised-website",
	[MP_TYPE_DDOS] = "ddos",
};

const char *
mp_report_type_name(enum mp_report_type type)
{
	if ((unsigned)type >= MP_TYPE_COUNT)
		return "other";
	return type_names[type];
}

const char *
mp_report_format_name(enum mp_report_format fmt)
{
	switch (fmt) {
	case MP_FMT_ARF:	return "arf";
	case MP_FMT_XARF01:	return "x-arf-0.1";
	case MP_FMT_XARF02:	return "x-arf-0.2";
	case MP_FMT_XARF3:	return "xarf-3";
	case MP_FMT_XARF4:	return "xarf-4";
	}
	return "unknown";
}

void
mp_report_free(struct mp_report **rp)
{
	struct mp_report *r;

	if (rp == NULL || (r = *rp) == NULL)
		return;
	free(r->type_detail);
	free(r->source_ip);
	free(r->domain);
	free(r->url);
	free(r->reporter_addr);
	free(r->reporter_org);
	free(r->report_id);
	free(r->service);
	free(r->tlp);
	free(r->format_version);
	free(r->evidence.content_type);
	free(r->evidence.filename);
	free(r->evidence.data);
	while (r->nwarnings > 0)
		free(r->warnings[--r->nwarnings]);
	free(r);
	*rp = NULL;
}

void
mp_report_warnings_text(const struct mp_report *r, char *buf, size_t size)
{
	size_t i, used = 0;
	int n;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < r->nwarnings && used + 1 < size; i++) {
		n = snprintf(buf + used, size - used, "%s%s", i ? "; " : "",
		    r->warnings[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (r->more_warnings > 0 && used + 1 < size)
		snprintf(buf + used, size - used, "; and %zu more",
		    r->more_warnings);
}

/*
 * The mapping from what reporters call an incident to the meldpunt
 * types (the ten of report.h: malware, vulnerable-service, open-service,
 * login-attack, spam, phishing, leaked-credentials, compromised-website,
 * ddos, other). First match wins, so specific rows come before the
 * "*" rows of their family. man/meldpunt-parse.1 shows this table; the
 * test tests/report-map.sh checks that the two agree.
 *
 * Choices worth knowing: ARF "abuse" and "auth-failure" are mail the
 * source IP sent (spam, or spoofed mail failing SPF/DKIM/DMARC); X-ARF
 * "regbot" and "harvesting" are spam-related bots; infected hosts and
 * bots are "malware" (the host runs it); a compromised server or a
 * defaced site is "compromised-website".
 */
static const struct mp_report_map_row map[] = {
	/* ARF Feedback-Type (RFC 5965, 6591, 6650) */
	{ "arf", "*", "abuse", MP_TYPE_SPAM },
	{ "arf", "*", "auth-failure", MP_TYPE_SPAM },
	{ "arf", "*", "fraud", MP_TYPE_PHISHING },
	{ "arf", "*", "virus", MP_TYPE_MALWARE },
	{ "arf", "*", "*", MP_TYPE_OTHER },	/* opt-out, not-spam, other */

	/* X-ARF 0.1/0.2 Category / Report-Type */
	{ "x-arf", "abuse", "login-attack", MP_TYPE_LOGIN_ATTACK },
	{ "x-arf", "*", "ssh", MP_TYPE_LOGIN_ATTACK },
	{ "x-arf", "*", "ftp", MP_TYPE_LOGIN_ATTACK },
	{ "x-arf", "*", "imap", MP_TYPE_LOGIN_ATTACK },
	{ "x-arf", "*", "pop3", MP_TYPE_LOGIN_ATTACK },
	{ "x-arf", "*", "sip", MP_TYPE_LOGIN_ATTACK },
	{ "x-arf", "*", "bruteforcelogin", MP_TYPE_LOGIN_ATTACK },
	{ "x-arf", "abuse", "bot-infection", MP_TYPE_MALWARE },
	{ "x-arf", "abuse", "grumbot-infection", MP_TYPE_MALWARE },
	{ "x-arf", "abuse", "malware-attack", MP_TYPE_MALWARE },
	{ "x-arf", "abuse", "compromised-account", MP_TYPE_LEAKED_CREDENTIALS },
	{ "x-arf", "*", "ddos", MP_TYPE_DDOS },
	{ "x-arf", "*", "apacheddos", MP_TYPE_DDOS },
	{ "x-arf", "*", "spam", MP_TYPE_SPAM },
	{ "x-arf", "*", "mail", MP_TYPE_SPAM },
	{ "x-arf", "*", "regbot", MP_TYPE_SPAM },
	{ "x-arf", "*", "harvesting", MP_TYPE_SPAM },
	{ "x-arf", "*", "nsvertized", MP_TYPE_SPAM },
	{ "x-arf", "*", "spamvertized", MP_TYPE_SPAM },
	{ "x-arf", "info", "dnsbl-listing", MP_TYPE_SPAM },
	{ "x-arf", "info", "dnsbl-listed", MP_TYPE_SPAM },
	{ "x-arf", "fraud", "phishing", MP_TYPE_PHISHING },
	{ "x-arf", "fraud", "scam", MP_TYPE_PHISHING },
	{ "x-arf", "fraud", "infected", MP_TYPE_COMPROMISED_WEBSITE },
	{ "x-arf", "fraud", "defacement", MP_TYPE_COMPROMISED_WEBSITE },
	{ "x-arf", "*", "*", MP_TYPE_OTHER },

	/* XARF v4 category / type (xarf-v4-master.json, plus 4.0 names) */
	{ "xarf4", "messaging", "spam", MP_TYPE_SPAM },
	{ "xarf4", "messaging", "bulk_messaging", MP_TYPE_SPAM },
	{ "xarf4", "connection", "login_attack", MP_TYPE_LOGIN_ATTACK },
	{ "xarf4", "connection", "ddos", MP_TYPE_DDOS },
	{ "xarf4", "connection", "ddos_amplification", MP_TYPE_DDOS },
	{ "xarf4", "connection", "infected_host", MP_TYPE_MALWARE },
	{ "xarf4", "connection", "*", MP_TYPE_OTHER },	/* scans, scraping */
	{ "xarf4", "vulnerability", "open_service", MP_TYPE_OPEN_SERVICE },
	{ "xarf4", "vulnerability", "open", MP_TYPE_OPEN_SERVICE },
	{ "xarf4", "vulnerability", "cve", MP_TYPE_VULNERABLE_SERVICE },
	{ "xarf4", "vulnerability", "misconfiguration",
	    MP_TYPE_VULNERABLE_SERVICE },
	{ "xarf4", "infrastructure", "botnet", MP_TYPE_MALWARE },
	{ "xarf4", "infrastructure", "bot", MP_TYPE_MALWARE },
	{ "xarf4", "infrastructure", "compromised_server",
	    MP_TYPE_COMPROMISED_WEBSITE },
	{ "xarf4", "content", "phishing", MP_TYPE_PHISHING },
	{ "xarf4", "content", "fraud", MP_TYPE_PHISHING },
	{ "xarf4", "content", "malware", MP_TYPE_MALWARE },
	{ "xarf4", "content", "remote_compromise", MP_TYPE_COMPROMISED_WEBSITE },
	{ "xarf4", "content", "exposed_data", MP_TYPE_LEAKED_CREDENTIALS },
	{ "xarf4", "*", "*", MP_TYPE_OTHER },	/* reputation, copyright, ... */

	/* XARF v3 ReportClass / ReportType (abusix schemas/3) */
	{ "xarf3", "*", "spam", MP_TYPE_SPAM },
	{ "xarf3", "*", "loginattack", MP_TYPE_LOGIN_ATTACK },
	{ "xarf3", "*", "dos", MP_TYPE_DDOS },
	{ "xarf3", "*", "ddos", MP_TYPE_DDOS },
	{ "xarf3", "*", "botnet", MP_TYPE_MALWARE },
	{ "xarf3", "*", "malware", MP_TYPE_MALWARE },
	{ "xarf3", "*", "phishing", MP_TYPE_PHISHING },
	{ "xarf3", "*", "openservice", MP_TYPE_OPEN_SERVICE },
	{ "xarf3", "*", "exploit", MP_TYPE_VULNERABLE_SERVICE },
	{ "xarf3", "*", "potentiallycompromisedaccount",
	    MP_TYPE_LEAKED_CREDENTIALS },
	{ "xarf3", "*", "*", MP_TYPE_OTHER },
};

static int
match(const char *pat, const char *s)
{
	if (pat[0] == '*' && pat[1] == '\0')
		return 1;
	return s != NULL && strcasecmp(pat, s) == 0;
}

enum mp_report_type
mp_report_map_type(const char *family, const char *category,
    const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(map[i].family, family) == 0 &&
		    match(map[i].category, category) &&
		    match(map[i].type, type))
			return map[i].result;
	return MP_TYPE_OTHER;
}

const struct mp_report_map_row *
mp_report_map_row(size_t i)
{
	return i < sizeof(map) / sizeof(map[0]) ? &map[i] : NULL;
}

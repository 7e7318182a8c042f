/*
 * NAME
 *	dnszone - DNS answers from a text file, for tests only, and the
 *	DKIM key file
 * SYNOPSIS
 *	#include "dnszone.h"
 * DESCRIPTION
 *	A DNS zone spec replaces DNS for SPF (fed to libspf2's own zone DNS
 *	layer by spf.h) and for DKIM key records (mp_dnszone_dkim_lookup is
 *	an mp_dkim_key_fn, see verify.h), so unit tests, e2e tests and the
 *	milter's test mode (DNSZoneFile) never touch the network. It is a
 *	testing aid: a production configuration has no zone.
 *
 *	One record a line, "name TYPE value", '#' starts a comment line:
 *
 *	    x.example            TXT  "v=spf1 ip4:192.0.2.0/24 -all"
 *	    long.example         TXT  "v=spf1 " "include:x.example -all"
 *	    mail.x.example       A    192.0.2.25
 *	    mail.x.example       AAAA 2001:db8::25
 *	    x.example            MX   10 mail.x.example
 *	    1.2.0.192.in-addr.arpa PTR mail.x.example
 *	    s1._domainkey.x.example TXT "v=DKIM1; k=ed25519; p=..."
 *	    broken.example       TXT  TEMPFAIL
 *	    empty.example        A    NODATA
 *	    gone.example         ANY  NXDOMAIN
 *	    down.example         ANY  TEMPFAIL
 *
 *	TYPE is A, AAAA, MX, TXT, PTR or ANY (ANY only with NXDOMAIN or
 *	TEMPFAIL: every type of that name answers so). The value is the
 *	record data, or one of the bare words NXDOMAIN, NODATA, TEMPFAIL
 *	(SERVFAIL/timeout: a DNS problem). TXT data is one or more "quoted"
 *	strings, joined, or the rest of the line as is. Names are case-
 *	insensitive, a trailing dot is ignored; no wildcards. Names and types
 *	absent from the zone answer NXDOMAIN. A name/type holds either data
 *	records or one status, and a name with ANY holds nothing else.
 *	Names are checked by the one domain rule (mp_domain_norm(), addr.h).
 *
 *	The DKIM key file of meldpunt-verify --key-file and the tests
 *	(mp_keyfile, verify.h) is this format read with MP_DNSZONE_KEYFILE:
 *	every name must be a "selector._domainkey.domain" name, and the type
 *	may be left out, "name TXT-content" meaning a TXT record. (It had a
 *	parser of its own; since they joined a key file also takes DEL as
 *	the control character it is, and holds up to MP_DNSZONE_MAX_RECORDS
 *	records.) The zone lives in dkim, the lowest layer that reads it:
 *	the verifier's key file is here, the SPF test DNS (spf.h) above.
 * OWNERSHIP
 *	mp_dnszone_parse()/_load() return a zone freed with
 *	mp_dnszone_free(&z). Records returned by mp_dnszone_record() belong
 *	to the zone. Immutable after parsing: share it between threads.
 * LIMITS
 *	MP_DNSZONE_MAX bytes a file, MP_DNSZONE_LINE_MAX bytes a line,
 *	MP_DNSZONE_MAX_RECORDS records; names MP_DNSZONE_NAME_MAX bytes,
 *	labels 63.
 */
#ifndef MP_DNSZONE_H
#define MP_DNSZONE_H

#include <stddef.h>

#include "error.h"

#define MP_DNSZONE_MAX		(1024 * 1024)
#define MP_DNSZONE_LINE_MAX	8192
#define MP_DNSZONE_MAX_RECORDS	4096
#define MP_DNSZONE_NAME_MAX	253

enum mp_dns_type {
	MP_DNS_A = 0,
	MP_DNS_AAAA,
	MP_DNS_MX,
	MP_DNS_TXT,
	MP_DNS_PTR,
	MP_DNS_ANY,
};

enum mp_dns_status {
	MP_DNS_OK = 0,		/* value holds the data */
	MP_DNS_NXDOMAIN,
	MP_DNS_NODATA,
	MP_DNS_TEMPFAIL,
};

struct mp_dns_record {
	const char *name;	/* lower case, no trailing dot */
	enum mp_dns_type type;
	enum mp_dns_status status;
	const char *value;	/* MX: "10 host"; NULL unless status is OK */
};

struct mp_dnszone;

struct mp_dnszone *mp_dnszone_parse(const char *name, const char *text,
    size_t len, struct mp_error *err);
struct mp_dnszone *mp_dnszone_load(const char *path, struct mp_error *err);
#define MP_DNSZONE_KEYFILE	1	/* verify.h's key file: see above */
struct mp_dnszone *mp_dnszone_parse_as(const char *name, const char *text,
    size_t len, int flags, struct mp_error *err);
struct mp_dnszone *mp_dnszone_load_as(const char *path, int flags,
    struct mp_error *err);
void mp_dnszone_free(struct mp_dnszone **zp);

size_t mp_dnszone_count(const struct mp_dnszone *z);
const struct mp_dns_record *mp_dnszone_record(const struct mp_dnszone *z,
    size_t i);

const char *mp_dns_type_name(enum mp_dns_type t);

/*
 * An mp_dkim_key_fn (verify.h) over a zone (arg: struct mp_dnszone *):
 * the first TXT record of `name`, MP_RETRY for TEMPFAIL, else
 * MP_NOTFOUND.
 */
enum mp_lookup mp_dnszone_dkim_lookup(void *arg, const char *name, char *txt,
    size_t txtsz);

#endif

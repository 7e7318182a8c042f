/*
 * feed_shadowserver - Shadowserver's daily reports: the type from the
 * file name, the alias table for legacy names, the column mapping
 *
 * The types and their columns are Shadowserver's published report schema
 * (github.com/The-Shadowserver-Foundation/report_schema, types.md); the
 * legacy names are those of the old report e-mails (2015-2019 samples in
 * tests/corpus/abuseio). docs/feeds.md lists this table; tests/unit
 * checks the two agree.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "datetime.h"
#include "feed_int.h"
#include "report_int.h"
#include "text.h"

#define OPEN	MP_TYPE_OPEN_SERVICE
#define VULN	MP_TYPE_VULNERABLE_SERVICE
#define MAL	MP_TYPE_MALWARE
#define OTHER	MP_TYPE_OTHER

static const struct mp_shadowserver_type types[] = {
	/* exposed (open / accessible) services */
	{ "scan_adb", NULL, OPEN },
	{ "scan_afp", NULL, OPEN },
	{ "scan_amqp", NULL, OPEN },
	{ "scan_ard", NULL, OPEN },
	{ "scan_bgp", NULL, OPEN },
	{ "scan_chargen", NULL, OPEN },
	{ "scan_cisco_smart_install", NULL, OPEN },
	{ "scan_coap", NULL, OPEN },
	{ "scan_couchdb", NULL, OPEN },
	{ "scan_cwmp", NULL, OPEN },
	{ "scan_db2", NULL, OPEN },
	{ "scan_dns", NULL, OPEN },
	{ "scan_docker", NULL, OPEN },
	{ "scan_dvr_dhcpdiscover", NULL, OPEN },
	{ "scan_elasticsearch", NULL, OPEN },
	{ "scan_epmd", NULL, OPEN },
	{ "scan_ftp", NULL, OPEN },
	{ "scan_hadoop", NULL, OPEN },
	{ "scan_http", NULL, OPEN },
	{ "scan_http_proxy", NULL, OPEN },
	{ "scan_ics", NULL, OPEN },
	{ "scan_ipmi", NULL, OPEN },
	{ "scan_ipp", NULL, OPEN },
	{ "scan_kubernetes", NULL, OPEN },
	{ "scan_ldap_tcp", NULL, OPEN },
	{ "scan_ldap_udp", NULL, OPEN },
	{ "scan_mdns", NULL, OPEN },
	{ "scan_memcached", NULL, OPEN },
	{ "scan_mongodb", NULL, OPEN },
	{ "scan_mqtt", NULL, OPEN },
	{ "scan_mqtt_anon", NULL, OPEN },
	{ "scan_msrpc", NULL, OPEN },
	{ "scan_mssql", NULL, OPEN },
	{ "scan_mysql", NULL, OPEN },
	{ "scan_netbios", NULL, OPEN },
	{ "scan_ntp", NULL, OPEN },
	{ "scan_ntpmonitor", NULL, OPEN },
	{ "scan_portmapper", NULL, OPEN },
	{ "scan_postgres", NULL, OPEN },
	{ "scan_qotd", NULL, OPEN },
	{ "scan_radmin", NULL, OPEN },
	{ "scan_rdp", NULL, OPEN },
	{ "scan_rdpeudp", NULL, OPEN },
	{ "scan_redis", NULL, OPEN },
	{ "scan_rsync", NULL, OPEN },
	{ "scan_sip", NULL, OPEN },
	{ "scan_slp", NULL, OPEN },
	{ "scan_smb", NULL, OPEN },
	{ "scan_snmp", NULL, OPEN },
	{ "scan_ssdp", NULL, OPEN },
	{ "scan_ssh", NULL, OPEN },
	{ "scan_ssl", NULL, OPEN },
	{ "scan_stun", NULL, OPEN },
	{ "scan_telnet", NULL, OPEN },
	{ "scan_tftp", NULL, OPEN },
	{ "scan_ubiquiti", NULL, OPEN },
	{ "scan_vnc", NULL, OPEN },
	{ "scan_ws_discovery", NULL, OPEN },
	{ "scan_xdmcp", NULL, OPEN },
	{ "scan6_dns", NULL, OPEN },
	{ "scan6_elasticsearch", NULL, OPEN },
	{ "scan6_ipp", NULL, OPEN },
	{ "scan6_mysql", NULL, OPEN },
	{ "scan6_ntp", NULL, OPEN },
	{ "scan6_rdp", NULL, OPEN },
	{ "scan6_smb", NULL, OPEN },
	{ "scan6_snmp", NULL, OPEN },
	{ "scan6_vnc", NULL, OPEN },
	{ "population_bgp", NULL, OPEN },
	{ "population_msmq", NULL, OPEN },
	/* vulnerable services */
	{ "scan_badsecrets", NULL, VULN },
	{ "scan_exchange", NULL, VULN },
	{ "scan_http_vulnerable", NULL, VULN },
	{ "scan_imap_vulnerable", NULL, VULN },
	{ "scan_isakmp", NULL, VULN },
	{ "scan_loop_dos", NULL, VULN },
	{ "scan_nat_pmp", NULL, VULN },
	{ "scan_netis_router", NULL, VULN },
	{ "scan_pop3_vulnerable", NULL, VULN },
	{ "scan_smtp_vulnerable", NULL, VULN },
	{ "scan_ssl_freak", NULL, VULN },
	{ "scan_ssl_poodle", NULL, VULN },
	{ "scan6_exchange", NULL, VULN },
	{ "scan6_http_vulnerable", NULL, VULN },
	{ "scan6_smtp_vulnerable", NULL, VULN },
	/* implants found by scanning */
	{ "scan_post_exploitation_framework", NULL, MAL },
	{ "scan_synfulknock", NULL, MAL },
	/* sinkholes: infected hosts calling home */
	{ "event4_sinkhole", NULL, MAL },
	{ "event4_sinkhole_http", NULL, MAL },
	{ "event4_sinkhole_http_referer", NULL, MP_TYPE_COMPROMISED_WEBSITE },
	{ "event4_microsoft_sinkhole", NULL, MAL },
	{ "event4_microsoft_sinkhole_http", NULL, MAL },
	{ "event6_sinkhole", NULL, MAL },
	{ "event6_sinkhole_http", NULL, MAL },
	{ "event6_sinkhole_http_referer", NULL, MP_TYPE_COMPROMISED_WEBSITE },
	{ "event4_initial_access_broker", NULL, MAL },
	{ "event6_initial_access_broker", NULL, MAL },
	{ "compromised_iot", NULL, MAL },
	{ "compromised_iot6", NULL, MAL },
	{ "malware_url", NULL, MAL },
	/* honeypots: what hosts did to them */
	{ "event4_honeypot_brute_force", NULL, MP_TYPE_LOGIN_ATTACK },
	{ "event4_honeypot_ddos", NULL, MP_TYPE_DDOS },
	{ "event4_ddos_participant", NULL, MP_TYPE_DDOS },
	{ "event4_honeypot_darknet", NULL, OTHER },
	{ "event4_honeypot_http_scan", NULL, OTHER },
	{ "event4_honeypot_ics_scan", NULL, OTHER },
	{ "event4_honeypot_adb_scan", NULL, OTHER },
	{ "event4_honeypot_ikev2_scan", NULL, OTHER },
	{ "event4_honeypot_rdp_scan", NULL, OTHER },
	{ "event4_honeypot_rocketmq_scan", NULL, OTHER },
	{ "event4_honeypot_smb_scan", NULL, OTHER },
	{ "event4_honeypot_snmp_scan", NULL, OTHER },
	{ "event4_ip_spoofer", NULL, OTHER },
	/* websites and accounts */
	{ "compromised_website", NULL, MP_TYPE_COMPROMISED_WEBSITE },
	{ "compromised_website6", NULL, MP_TYPE_COMPROMISED_WEBSITE },
	{ "compromised_account", NULL, MP_TYPE_LEAKED_CREDENTIALS },
	/* lists without one verdict: the rows' tags say more */
	{ "blocklist", NULL, OTHER },
	{ "device_id", NULL, OTHER },
	{ "device_id6", NULL, OTHER },
	{ "special", NULL, OTHER },
	/* legacy file names (the old report mails) */
	{ "botnet_drone", "event4_sinkhole", MAL },
	{ "cisco_smart_install", "scan_cisco_smart_install", OPEN },
	{ "darknet", "event4_honeypot_darknet", OTHER },
	{ "ddos_amplification", "event4_honeypot_ddos", MP_TYPE_DDOS },
	{ "dns_openresolver", "scan_dns", OPEN },
	{ "drone_brute_force", "event4_honeypot_brute_force",
	    MP_TYPE_LOGIN_ATTACK },
	{ "hp_http_scan", "event4_honeypot_http_scan", OTHER },
	{ "hp_ics_scan", "event4_honeypot_ics_scan", OTHER },
	{ "microsoft_sinkhole", "event4_microsoft_sinkhole", MAL },
	{ "netis_router", "scan_netis_router", VULN },
	{ "sinkhole_http_drone", "event4_sinkhole_http", MAL },
	{ "sinkhole_http_referer", "event4_sinkhole_http_referer",
	    MP_TYPE_COMPROMISED_WEBSITE },
	{ "ssl_freak_scan", "scan_ssl_freak", VULN },
	{ "ssl_scan", "scan_ssl_poodle", VULN },
};

const struct mp_shadowserver_type *
mp_shadowserver_type_row(size_t i)
{
	return i < sizeof(types) / sizeof(types[0]) ? &types[i] : NULL;
}

const struct mp_shadowserver_type *
mp_shadowserver_lookup(const char *name)
{
	const struct mp_shadowserver_type *t = NULL;
	size_t i;

	for (i = 0; t == NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(types[i].name, name) == 0)
			t = &types[i];
	if (t != NULL && t->alias_of != NULL) {
		const struct mp_shadowserver_type *c = mp_shadowserver_lookup(
		    t->alias_of);

		return c != NULL ? c : t;
	}
	return t;
}

int
mp_shadowserver_filename(const char *fn, char *type, size_t size,
    time_t *date)
{
	const char *p, *e;
	size_t n;

	if (fn == NULL || (!mp_text_ends_with(fn, ".csv") &&
	    !mp_text_ends_with(fn, ".csv.zip")))
		return 0;
	if (strlen(fn) < 11)
		return 0;
	for (n = 0; n < 10; n++)
		if (n == 4 || n == 7 ? fn[n] != '-' :
		    !isdigit((unsigned char)fn[n]))
			return 0;
	if (fn[10] != '-')
		return 0;
	p = fn + 11;
	/* Types are lower-case words joined by '_'; org and scope follow. */
	for (e = p; *e && (islower((unsigned char)*e) ||
	    isdigit((unsigned char)*e) || *e == '_'); e++)
		;
	if (e == p || (*e != '-' && *e != '.') || (size_t)(e - p) >= size)
		return 0;
	memcpy(type, p, (size_t)(e - p));
	type[e - p] = '\0';
	/* The one date parser (datetime.h): a date alone is midnight UTC. */
	if (mp_time_parse(fn, 10, 0, date) != MP_OK)
		*date = 0;
	return 1;
}

/* The columns, by name, once the header is read. */
static int
ss_header(struct mp_feed *f, struct mp_feed_fill *fl, struct mp_error *err)
{
	struct mp_feed_cols *c = &fl->cols;

	c->ip = mp_feed_column_any(f, "ip|src_ip");
	if (c->ip < 0)
		return mp_error_set(err, MP_EINPUT, "Shadowserver %s: no ip or "
		    "src_ip column", f->name);
	c->port = mp_feed_column_any(f, "port");
	c->src_port = mp_feed_column_any(f, "src_port");
	c->protocol = mp_feed_column_any(f, "protocol");
	c->asn = mp_feed_column_any(f, "asn|src_asn");
	c->timestamp = mp_feed_column_any(f, "timestamp");
	c->hostname = mp_feed_column_any(f, "hostname|src_hostname|http_host");
	c->tag = mp_feed_column_any(f, "tag");
	c->severity = mp_feed_column_any(f, "severity");
	c->cve = mp_feed_column_any(f, "cve");
	c->type = -1;
	c->url = mp_feed_column_any(f, "url|http_url");
	c->infection = mp_feed_column_any(f, "infection");
	if (c->infection < 0 && f->type == MP_TYPE_MALWARE)
		c->infection = mp_feed_column_any(f, "type");
	return MP_OK;
}

int
mp_feed_shadowserver_new(const char *filename, struct mp_feed **fp,
    struct mp_feed_fill *fl, struct mp_error *err)
{
	const struct mp_shadowserver_type *t;
	struct mp_feed *f;
	char word[128];
	time_t date = 0;
	int oom = 0;

	*fp = NULL;
	if (!mp_shadowserver_filename(filename, word, sizeof(word), &date))
		return mp_error_set(err, MP_EINPUT, "not a Shadowserver file "
		    "name (YYYY-MM-DD-<type>-<org>-<scope>.csv)");
	if ((f = mp_feed_new(MP_FEED_SHADOWSERVER, err)) == NULL)
		return MP_ENOMEM;
	f->report_date = date;
	t = mp_shadowserver_lookup(word);
	f->type = t != NULL ? t->type : MP_TYPE_OTHER;
	f->name = mp_fa_strdup(f, t != NULL ? t->name : word);
	if (t != NULL && strcasecmp(t->name, word) != 0)
		f->alias = mp_fa_strdup(f, word);
	if ((f->filename = mp_fa_text(f, filename, &oom)) == NULL || oom ||
	    f->name == NULL) {
		mp_feed_free(&f);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	memset(fl, 0, sizeof(*fl));
	fl->header = ss_header;
	fl->per_row_type = 0;
	fl->service = NULL;
	if (strncmp(f->name, "scan_", 5) == 0)
		fl->service = f->name + 5;
	else if (strncmp(f->name, "scan6_", 6) == 0)
		fl->service = f->name + 6;
	else if (strncmp(f->name, "population_", 11) == 0)
		fl->service = f->name + 11;
	*fp = f;
	return MP_OK;
}

int
mp_feed_parse_shadowserver(const char *filename, const void *data,
    size_t len, const struct mp_feed_limits *lim, struct mp_feed **fp,
    struct mp_error *err)
{
	struct mp_feed_fill fl;
	struct mp_feed *f;
	int rc;

	*fp = NULL;
	if ((rc = mp_feed_shadowserver_new(filename, &f, &fl, err)) != MP_OK)
		return rc;
	if ((rc = mp_feed_load(f, filename, data, len, lim, &fl, err)) !=
	    MP_OK) {
		mp_error_prefix(err, "Shadowserver %s", f->filename);
		mp_feed_free(&f);
		return rc;
	}
	*fp = f;
	return MP_OK;
}

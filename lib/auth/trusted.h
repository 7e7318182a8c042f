/*
 * NAME
 *	trusted - TrustedHosts: the networks a submission may come from
 * SYNOPSIS
 *	#include "trusted.h"
 * DESCRIPTION
 *	TrustedHosts: IPv4/IPv6 addresses or networks ("10.1.0.0/16",
 *	"2001:db8::/32"), separated by commas or white space, read with the
 *	one address/prefix parser (mp_prefix_parse_as(), addr.h). The
 *	configuration parses it once, at load, line by line with
 *	mp_netlist_add(), so an error names FILE:LINE; the snapshot reads
 *	the configuration's list.
 *	mp_netlist_match() takes a client address as Postfix gives it:
 *	IPv4, IPv6, "IPv6:..." or [..]; an IPv4-mapped IPv6 address is its
 *	IPv4 address.
 * OWNERSHIP
 *	mp_netlist_parse() returns a list the caller frees with
 *	mp_netlist_free(&n). Immutable: share it between threads.
 * LIMITS
 *	MP_NETLIST_MAX networks.
 */
#ifndef MP_TRUSTED_H
#define MP_TRUSTED_H

#include "error.h"

#define MP_NETLIST_MAX		1024

struct mp_netlist;

struct mp_netlist *mp_netlist_parse(const char *name, const char *text,
    struct mp_error *err);
/* Parse `text` onto *np (a new list when NULL): 0, or MP_EINPUT/MP_ELIMIT/
   MP_ENOMEM with "name: ..." in err; *np may then hold part of `text`. */
int mp_netlist_add(struct mp_netlist **np, const char *name, const char *text,
    struct mp_error *err);
void mp_netlist_free(struct mp_netlist **np);
/* 1 when the textual address (IPv4, IPv6, "IPv6:..." or [..]) is listed. */
int mp_netlist_match(const struct mp_netlist *n, const char *addr);

#endif

/*
 * flow - see flow.h
 */
#include "config.h"

#include <string.h>

#include "addr.h"
#include "bounceflow.h"
#include "flow.h"
#include "from.h"

const char *
mp_flow_name(enum mp_flow flow)
{
	switch (flow) {
	case MP_FLOW_INTAKE:	return "intake";
	case MP_FLOW_OUTBOUND:	return "outbound";
	case MP_FLOW_BOUNCE:	return "bounce";
	case MP_FLOW_REPLY:	return "reply";
	default:		return "other";
	}
}

enum mp_flow
mp_flow_classify(const struct mp_conf *conf, const char *sender,
    const char *rcpt, enum mp_flow current)
{
	if (current == MP_FLOW_INTAKE || mp_addr_in(rcpt, conf->intake))
		return MP_FLOW_INTAKE;
	if (current == MP_FLOW_BOUNCE || mp_bounce_is_addr(conf, rcpt))
		return MP_FLOW_BOUNCE;
	if (mp_domain_in(mp_addr_domain(sender), conf->protected_domains))
		return MP_FLOW_OUTBOUND;
	return current;
}

/* 1 when some From address, as read at EOH, is in a protected domain. */
static int
from_protected(const struct mp_conf *conf, const struct mp_from_read *from,
    size_t nfrom)
{
	const struct mp_from *f;
	size_t i, j;
	int hit = 0;

	for (i = 0; i < nfrom && !hit; i++) {
		if (from[i].rc != MP_OK)
			continue;
		f = &from[i].f;
		for (j = 0; j < f->n && !hit; j++)
			hit = mp_domain_in(mp_addr_domain(f->mbox[j].addr),
			    conf->protected_domains);
	}
	return hit;
}

enum mp_flow
mp_flow_eoh(const struct mp_conf *conf, enum mp_flow current,
    const struct mp_from_read *from, size_t nfrom)
{
	if (current == MP_FLOW_OTHER && conf->protected_domains != NULL &&
	    from_protected(conf, from, nfrom))
		return MP_FLOW_OUTBOUND;
	return current;
}

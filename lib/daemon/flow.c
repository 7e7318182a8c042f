/*
 * flow - see flow.h
 */
#include "config.h"

#include "addr.h"
#include "flow.h"

const char *
mp_flow_name(enum mp_flow flow)
{
	switch (flow) {
	case MP_FLOW_INTAKE:	return "intake";
	case MP_FLOW_OUTBOUND:	return "outbound";
	default:		return "other";
	}
}

enum mp_flow
mp_flow_classify(const struct mp_conf *conf, const char *sender,
    const char *rcpt, enum mp_flow current)
{
	if (current == MP_FLOW_INTAKE || mp_addr_in(rcpt, conf->intake))
		return MP_FLOW_INTAKE;
	if (mp_domain_in(mp_addr_domain(sender), conf->protected_domains))
		return MP_FLOW_OUTBOUND;
	return current;
}

/*
 * NAME
 *	envelope - what the MTA told us about one message, and its bytes
 * DESCRIPTION
 *	The milter feeds this module the envelope and the message as they
 *	arrive (sender, recipients, header fields, body chunks); it has the
 *	flow decided (flow.h) as recipients come in and again at end of
 *	header (a protected From makes "other" outbound), and buffers the
 *	message, as CRLF text, up to MaximumMessageSize. Past that limit the
 *	buffer is dropped and `too_large` is set: the message still goes on
 *	(it is never lost), but it is not processed.
 *
 *	Header fields are buffered for every flow (they are small and the
 *	identity check needs From whatever the flow); the body only for intake
 *	and outbound. The raw From values are kept for the identity check.
 *	It also notes header fields that only meldpunt may set (X-Meldpunt-*),
 *	so that copies forged by a sender can be removed at end of message:
 *	mp_env_drop_forged() puts their deletion in a plan.
 *
 *	Nothing here knows libmilter; the milter is thin glue over it.
 * OWNERSHIP
 *	The caller owns the struct; mp_env_reset() forgets one message and
 *	keeps the allocation for the next; mp_env_free() releases all.
 */
#ifndef MP_ENVELOPE_H
#define MP_ENVELOPE_H

#include <stddef.h>

#include "addr.h"
#include "buf.h"
#include "conf.h"
#include "flow.h"
#include "from.h"
#include "plan.h"

#define MP_ENV_RCPT_MAX		1000	/* recipients kept per message */
#define MP_ENV_FROM_MAX		8	/* From fields kept; nfrom counts them all and
				   the identity check refuses more than one */
#define MP_ENV_SENDER_RAW_MAX	1024	/* MAIL FROM as given, for the identity check */
#define MP_ENV_MACRO_MAX	256	/* a macro value we keep */
#define MP_ENV_HEADER_MAX	(64 * 1024)	/* one header field, name and value */

/* Header fields that only meldpunt writes; a sender's copies are removed. */
#define MP_HDR_FLOW	"X-Meldpunt-Flow"
#define MP_HDR_OUTCOME	"X-Meldpunt-Outcome"
#define MP_HDR_REASON	"X-Meldpunt-Reason"
#define MP_HDR_ID	"X-Meldpunt-Id"

enum mp_owned_hdr { MP_OWNED_FLOW, MP_OWNED_OUTCOME, MP_OWNED_REASON,
	MP_OWNED_ID, MP_OWNED_COUNT };

struct mp_envelope {
	const struct mp_conf *conf;	/* borrowed from the connection's snapshot */
	/* the connection: kept across messages */
	char client_addr[64];		/* textual IP; "" = unknown */
	char daemon_name[MP_ENV_MACRO_MAX];	/* {daemon_name} */
	char helo[MP_ENV_MACRO_MAX];	/* HELO/EHLO name, for SPF */
	/* the message */
	char auth_authen[MP_ENV_MACRO_MAX];	/* {auth_authen}; "" = none */
	char *from[MP_ENV_FROM_MAX];	/* raw From values, in order */
	size_t nfrom;			/* From fields seen (may exceed the kept) */
	struct mp_from_read from_read[MP_ENV_FROM_MAX]; /* from[], read at EOH */
	size_t nread;			/* from_read[] filled (0 before EOH) */
	char sender[MP_ADDR_MAX + 1];	/* normalized; "" = null sender */
	char sender_raw[MP_ENV_SENDER_RAW_MAX];	/* as given, control characters '?' */
	int sender_bad;			/* MAIL FROM was not one plain address */
	char **rcpts;			/* as given by the MTA, for smfi_delrcpt */
	char **rcpts_norm;
	size_t nrcpts;
	enum mp_flow flow;
	struct mp_buf msg;		/* header + CRLF + body, CRLF line ends */
	size_t size;			/* bytes seen, also past the limit */
	int too_large;
	unsigned owned[MP_OWNED_COUNT];	/* forged meldpunt headers seen, per name */
	int in_body;
};

void mp_env_init(struct mp_envelope *env, const struct mp_conf *conf);
void mp_env_reset(struct mp_envelope *env);
void mp_env_free(struct mp_envelope *env);

/* Connection facts, set once at connect; NULL means unknown. */
void mp_env_connection(struct mp_envelope *env, const char *client_addr,
    const char *daemon_name);
void mp_env_helo(struct mp_envelope *env, const char *helo);
/* MAIL FROM starts a message; `auth_authen` is {auth_authen} or NULL. */
int mp_env_sender(struct mp_envelope *env, const char *mail_from,
    const char *auth_authen);
/* Adds one recipient and updates the flow. MP_ELIMIT past MP_ENV_RCPT_MAX. */
int mp_env_rcpt(struct mp_envelope *env, const char *rcpt_to);
/*
 * One header field as libmilter passes it (value may have "\n\t" folds);
 * `add_space` puts back the space after the colon that the MTA strips
 * unless SMFIP_HDR_LEADSPC was negotiated.
 */
int mp_env_header(struct mp_envelope *env, const char *name, const char *value,
    int add_space);
int mp_env_eoh(struct mp_envelope *env);
int mp_env_body(struct mp_envelope *env, const unsigned char *chunk, size_t len);

/* 1 when the flow needs the message body (intake, outbound). */
int mp_env_wants_body(const struct mp_envelope *env);
/* 1 while header fields are still buffered (not past the limit). */
int mp_env_has_header(const struct mp_envelope *env);

const char *mp_owned_hdr_name(enum mp_owned_hdr h);
/* Delete, in `plan`, every X-Meldpunt-* field the sender put in (counted
 * above), from the last instance down. */
int mp_env_drop_forged(const struct mp_envelope *env, struct mp_plan *plan);

#endif

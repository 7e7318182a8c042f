/*
 * NAME
 *	plan - what to do to a message at end of message
 * DESCRIPTION
 *	lib/ decides, the milter carries out: a plan is the complete list of
 *	changes for one message (header deletions and additions, recipients
 *	to delete and add, a new envelope sender, a new body) plus the
 *	verdict (go on, tempfail, reject) with its SMTP reply, and the
 *	outcome, reason and notification id for the header and the log.
 *
 *	Header operations are applied in order. MP_HDR_DELETE removes one
 *	instance (1-based index per name, as smfi_chgheader counts), so a
 *	plan deletes from the last instance down. MP_HDR_INSERT0 puts the
 *	field first (DKIM-Signature).
 *
 *	Every value placed in a plan is checked: a header value with a CR or
 *	LF that is not a fold, a NUL or another control character, or an
 *	address that is not one plain mailbox is refused with MP_EINPUT,
 *	so report data can never add a header line or a recipient.
 * OWNERSHIP
 *	The plan owns copies of everything added to it; mp_plan_free().
 */
#ifndef MP_PLAN_H
#define MP_PLAN_H

#include <stddef.h>

#include "buf.h"
#include "flow.h"
#include "outcome.h"

enum mp_verdict {
	MP_VERDICT_CONTINUE = 0,
	MP_VERDICT_TEMPFAIL,
	MP_VERDICT_REJECT,
	MP_VERDICT_DISCARD,	/* accepted and dropped: a repeat (outbox.h) */
};

enum mp_hdr_op { MP_HDR_ADD, MP_HDR_INSERT0, MP_HDR_DELETE };

struct mp_hdr_change {
	enum mp_hdr_op op;
	char *name;
	char *value;		/* NULL for DELETE */
	unsigned index;		/* DELETE: which instance, 1-based */
};

#define MP_PLAN_HDR_MAX		4096
#define MP_PLAN_RCPT_MAX	1000

struct mp_plan {
	enum mp_verdict verdict;
	char smtp_code[4];		/* "451", "550" */
	char smtp_xcode[8];		/* "4.3.0" */
	char smtp_text[512];	/* one reply line: libmilter allows 980 */

	struct mp_hdr_change *hdrs;
	size_t nhdrs;
	char **del_rcpts;
	size_t ndel;
	char **add_rcpts;
	size_t nadd;
	char *new_sender;		/* NULL: keep */
	/* Every header field of the message is deleted (mp_plan_delete_headers):
	 * the sender's forged X-Meldpunt-* fields went with the rest. */
	int headers_replaced;
	struct mp_buf body;
	int replace_body;

	/* Takes back what deciding recorded (state DB) when the plan then
	 * cannot be carried out; see mp_plan_rollback(). commit_fn makes it
	 * final once the MTA has taken the message (the caller knows when:
	 * see mp_plan_hold()). */
	void (*undo_fn)(void *arg);
	void (*commit_fn)(void *arg);
	void (*undo_free)(void *arg);
	void *undo_arg;		/* the argument of every hook here */
	/* The last step before the answer (mp_plan_last), once the plan's
	 * changes are with the MTA: the sender's mark (eom.c). It returns
	 * MP_OK, or turns the plan into a discard or a tempfail. */
	int (*last_fn)(struct mp_plan *p, void *arg);

	/* The flow the message took (flow.h): the envelope's, or reply;
	 * set by mp_eom_decide(), for the log line and the counters. */
	enum mp_flow flow;
	enum mp_outcome outcome;	/* MP_OUTCOME_PASSED until decided */
	char reason[512];
	/* Schema-required fields the report lacked (report.h): the log line,
	 * and X-Meldpunt-Warnings on a copy that is not a notification. */
	char warnings[512];
	char notice_id[64];
};

void mp_plan_init(struct mp_plan *p);
void mp_plan_free(struct mp_plan *p);

int mp_plan_header(struct mp_plan *p, enum mp_hdr_op op, const char *name,
    const char *value);
/* Delete instance `index` (1-based, per name) of header field `name`. */
int mp_plan_delete(struct mp_plan *p, const char *name, unsigned index);
/* Delete every header field of the raw message `msg` (up to the blank line);
 * sets headers_replaced. */
int mp_plan_delete_headers(struct mp_plan *p, const char *msg, size_t len);
/* The same for the fields named `name` (case-insensitive) only. */
int mp_plan_delete_named(struct mp_plan *p, const char *msg, size_t len,
    const char *name);
int mp_plan_del_rcpt(struct mp_plan *p, const char *rcpt);
int mp_plan_add_rcpt(struct mp_plan *p, const char *addr);
int mp_plan_sender(struct mp_plan *p, const char *addr);
/*
 * Sign into the plan: DKIM-sign `msg` as `ed` will leave it (sign.h,
 * mp_sign_edited; NULL: as it is) and insert the DKIM-Signature fields at
 * the top, in the signer's order. MP_OK, or an error code with err
 * filled: the signer's, or the plan's when a field cannot be added.
 */
struct mp_error;
struct mp_signer;
struct mp_sign_edit;
int mp_plan_sign(struct mp_plan *p, const struct mp_signer *s, const char *msg,
    size_t len, const struct mp_sign_edit *ed, struct mp_error *err);
/* The new body, CRLF line ends. */
int mp_plan_body(struct mp_plan *p, const void *body, size_t len);

/* The plan was not carried out: run its undo hook (once). */
void mp_plan_rollback(struct mp_plan *p);

/*
 * The plan's changes are with the MTA: run its last step (once), the
 * thing that must come after everything else and before the answer.
 * MP_OK (nothing to run, or it ran and the plan stands); another code
 * when it changed the plan's verdict (a discard, a tempfail), which the
 * caller must then answer instead.
 */
int mp_plan_last(struct mp_plan *p);

/*
 * The plan was carried out, but whether the MTA keeps the message is only
 * known later (the next command on the connection). mp_plan_hold() moves
 * the commit hook out of the plan into *h (the plan no longer frees it);
 * mp_plan_settle(h) runs the commit (once) and frees it; a NULL-safe no-op
 * when nothing is held.
 */
struct mp_plan_held {
	void (*commit_fn)(void *arg);
	void (*free_fn)(void *arg);
	void *arg;
};
void mp_plan_hold(struct mp_plan *p, struct mp_plan_held *h);
void mp_plan_settle(struct mp_plan_held *h);

/* What the sender is told on an internal error; the cause goes to the log. */
#define MP_REPLY_INTERNAL "meldpunt: internal error, try again later"

void mp_plan_tempfail(struct mp_plan *p, const char *why);
/*
 * An internal error or a fault (no memory, a database or DNS that cannot
 * answer): tempfail with MP_REPLY_INTERNAL for the sender and outcome
 * MP_OUTCOME_TEMPFAIL with `why` for the log, so that no tempfail goes
 * unexplained.
 * The one way lib/ turns a fault into a tempfail.
 */
void mp_plan_internal(struct mp_plan *p, const char *why);
/* Accept and drop the message: only for a copy the MTA already has. */
void mp_plan_discard(struct mp_plan *p);
/* A plan that rejects or tempfails names its outcome (mp_plan_outcome). */
void mp_plan_reject(struct mp_plan *p, const char *xcode, const char *why);
/* The outcome (outcome.h) and its reason (NULL: none) for the header and log. */
void mp_plan_outcome(struct mp_plan *p, enum mp_outcome outcome,
    const char *reason);
void mp_plan_warnings(struct mp_plan *p, const char *warnings);

/* 1 when `v` may be a header value: printable, UTF-8 allowed, folds only. */
int mp_header_value_ok(const char *v);

#endif

/*
 * NAME
 *	notify_int - one rendering, shared by the parts of notify
 * DESCRIPTION
 *	Private to lib/notify/notify*.c. mp_notify_render() (notify.h) and
 *	mp_notify_render_list() (notify_list.h) are one job in a few files
 *	along its stages: the value policy - what of a hostile report may
 *	reach a reader, and how (notify_value.c) -, the rendering of the
 *	templates and the steps in order (notify.c, nt_run()), the MIME
 *	message around the text (notify_mime.c), and for lists the values
 *	and the table (notify_list.c) and the CSV attachments
 *	(notify_csv.c). Names here carry the nt_ prefix: they are extern
 *	only so the parts can meet.
 *
 *	A caller fills what it renders (r or list, type), its `values`
 *	step, optionally `after_text`, and calls nt_run(). Attachments are
 *	`parts`: the single report's evidence (one part, `ev`), or a list's
 *	CSV files.
 * OWNERSHIP
 *	struct render is the caller's; nt_run() frees what it holds (value
 *	buffers, the parts and what they own) in one place.
 * LIMITS
 *	Those of notify.h; max_message bytes in all (notify_list.h may
 *	lower it).
 */
#ifndef MP_NOTIFY_INT_H
#define MP_NOTIFY_INT_H

#include "addr.h"
#include "buf.h"
#include "notify.h"
#include "notify_list.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */
#define ELLIPSIS	"\xe2\x80\xa6"	/* U+2026 */
#define FOLD_MILTER	"\n\t"
#define FOLD_MESSAGE	"\r\n "
#define BILINGUAL_TOP	"(English version below)\n\n"
#define BILINGUAL_SEP	"\n======================== English version " \
			"========================\n\n"

#define NT_NAME_MAX	96	/* an attachment's file name and NUL */

/* One attachment. */
struct nt_part {
	char type[128];		/* content type, parameters allowed */
	char name[NT_NAME_MAX];	/* [A-Za-z0-9._-] only */
	const unsigned char *data;
	size_t len;
	void *own;		/* data, when the part owns it (free()) */
};

struct render;
typedef int (*nt_step)(struct render *rd);

/* Everything one rendering needs, freed in one place. */
struct render {
	const struct mp_template_set *setp;
	struct mp_notify_conf c;	/* the caller's, with `now` set */
	const struct mp_notify_conf *conf;	/* &c */
	struct mp_notice *n;
	struct mp_error *err;
	/* what is rendered: one report, or a list (then list templates) */
	const struct mp_report *r;
	const struct mp_notify_list *list;
	enum mp_report_type type;
	size_t max_message;
	nt_step values;		/* fills val[] from r or list */
	/* appended after the template text, before the footer, per language */
	int (*after_text)(struct render *rd, enum mp_lang lang,
	    struct mp_buf *text);
	struct mp_buf val[MP_TF_COUNT];
	const char *vals[MP_TF_COUNT];
	char from_addr[MP_ADDR_MAX + 1];
	char reply_to[MP_ADDR_MAX + 1];	/* normalised, or "" */
	char boundary[48];
	struct mp_buf evidence;	/* redacted evidence, when it was */
	struct nt_part ev;	/* the single report's evidence */
	struct nt_part *parts;	/* &ev or an array (free()) */
	size_t nparts;
};

int nt_run(struct render *rd, enum mp_lang lang, struct mp_notice **np);

int nt_body(struct render *rd);
int nt_check_7bit(const char *p, size_t len, struct mp_error *err);
int nt_headers(struct render *rd);
int nt_prepare_evidence(struct render *rd);
int nt_set_conf_values(struct render *rd);
int nt_set_report_values(struct render *rd);
int nt_whole_message(struct render *rd);

/* A hostile string as text for a reader (notify.h: sanitised, at most
 * `max` bytes, passwords redacted), appended to `out`. */
int nt_text(struct render *rd, const char *v, size_t max, struct mp_buf *out);
/* A file name of [A-Za-z0-9._-] from `in` (its last path part, no
 * leading dots, at most 64 bytes) in out[size]; its length, 0 if none. */
size_t nt_safe_name(const char *in, char *out, size_t size);
/* A time as "2024-05-01 12:00:00 UTC", appended; nothing for t <= 0. */
int nt_time(time_t t, struct mp_buf *out);

/* Lists: the CSV attachments (notify_csv.c). */
int nt_list_parts(struct render *rd);

#endif

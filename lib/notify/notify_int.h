/*
 * NAME
 *	notify_int - one rendering, shared by the parts of notify
 * DESCRIPTION
 *	Private to lib/notify/notify*.c. mp_notify_render() (notify.h) is
 *	one job in three files along its stages: the value policy - what of
 *	a hostile report may reach a reader, and how (notify_value.c) -,
 *	the rendering of the templates (notify.c) and the MIME message
 *	around the text (notify_mime.c). Names here carry the nt_ prefix:
 *	they are extern only so the parts can meet.
 * OWNERSHIP
 *	struct render is the caller's (mp_notify_render()), freed in one
 *	place there.
 * LIMITS
 *	Those of notify.h.
 */
#ifndef MP_NOTIFY_INT_H
#define MP_NOTIFY_INT_H

#include "addr.h"
#include "buf.h"
#include "notify.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */
#define ELLIPSIS	"\xe2\x80\xa6"	/* U+2026 */
#define FOLD_MILTER	"\n\t"
#define FOLD_MESSAGE	"\r\n "
#define BILINGUAL_TOP	"(English version below)\n\n"
#define BILINGUAL_SEP	"\n======================== English version " \
			"========================\n\n"

/* Everything one rendering needs, freed in one place. */
struct render {
	const struct mp_template_set *setp;
	const struct mp_report *r;
	const struct mp_notify_conf *conf;
	struct mp_notice *n;
	struct mp_error *err;
	struct mp_buf val[MP_TF_COUNT];
	const char *vals[MP_TF_COUNT];
	char from_addr[MP_ADDR_MAX + 1];
	char reply_to[MP_ADDR_MAX + 1];	/* normalised, or "" */
	char boundary[48];
	struct mp_buf evidence;	/* redacted evidence, when it was */
	const unsigned char *ev_data;
	size_t ev_len;
	char ev_type[128];
	char ev_name[80];
};

int nt_body(struct render *rd);
int nt_check_7bit(const char *p, size_t len, struct mp_error *err);
int nt_headers(struct render *rd);
int nt_prepare_evidence(struct render *rd);
int nt_set_conf_values(struct render *rd);
int nt_set_report_values(struct render *rd);
int nt_whole_message(struct render *rd);

#endif

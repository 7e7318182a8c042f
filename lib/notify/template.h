/*
 * NAME
 *	template - notification templates: load and check once, render often
 * DESCRIPTION
 *	A template file (syntax in meldpunt-templates(5)) is a "Subject:"
 *	line, an empty line and a body. Text is copied; {{field}} is
 *	replaced by a value; {{#if field}} ... {{else}} ... {{/if}} keeps a
 *	part when the field is not empty; {{! words }} is a comment. A line
 *	holding nothing but a block tag or a comment leaves no line behind.
 *
 *	Everything that can be wrong with a template is found when it is
 *	loaded, reported as "FILE:LINE: what is wrong": an unknown field, an
 *	unbalanced {{#if}}, a tag not closed on its line, invalid UTF-8 or a
 *	control character, a missing Subject line. Rendering cannot fail
 *	except for lack of memory or the output cap.
 *
 *	mp_templates_load() reads DIR/LANG/TYPE.tmpl for every language
 *	(nl, en) and every report type of report.h, DIR/LANG/list/TYPE.tmpl
 *	(the list variant: one notification for many rows of list reports,
 *	notify_list.h), plus DIR/LANG/footer.tmpl (a body without Subject,
 *	appended to every notification: how to check that it is genuine,
 *	how to answer).
 *	A missing file, or an unknown *.tmpl name (a misspelt type; a
 *	footer in list/), fails the whole set.
 *
 *	Rendering copies values as given: the caller (notify.c) sanitises
 *	them. Template text itself is trusted (it comes from the operator).
 *
 *	The parser is a pure function of its input: no logging, no globals.
 * LIMITS
 *	MP_TEMPLATE_MAX_BYTES per file, MP_TEMPLATE_MAX_DEPTH nested
 *	{{#if}}, MP_TEMPLATE_MAX_NODES pieces per file, field names of at
 *	most MP_TEMPLATE_NAME_MAX characters.
 * OWNERSHIP
 *	mp_template_parse() and mp_templates_load() return new objects owned
 *	by the caller; mp_template_free(&t) and mp_templates_free(&set)
 *	release them and set the pointer to NULL. A loaded set is immutable
 *	and may be shared by threads (it belongs in the config snapshot).
 */
#ifndef MP_TEMPLATE_H
#define MP_TEMPLATE_H

#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "lang.h"
#include "report.h"

#define MP_TEMPLATE_MAX_BYTES	(64 * 1024)
#define MP_TEMPLATE_MAX_DEPTH	8
#define MP_TEMPLATE_MAX_NODES	4096
#define MP_TEMPLATE_NAME_MAX	32

/* The fields a template may use; names in mp_template_field_name(). */
enum mp_tfield {
	MP_TF_TYPE,		/* type, e.g. "login-attack" */
	MP_TF_TYPE_DETAIL,	/* the reporter's own words for the type */
	MP_TF_SOURCE_IP,
	MP_TF_SOURCE_PORT,
	MP_TF_DOMAIN,
	MP_TF_URL,		/* defanged: hxxp://example[.]nl/ */
	MP_TF_ASN,
	MP_TF_SERVICE,
	MP_TF_OCCURRENCES,
	MP_TF_TIME,		/* last_seen, else first_seen, else reported_at */
	MP_TF_FIRST_SEEN,
	MP_TF_LAST_SEEN,
	MP_TF_REPORTED_AT,
	MP_TF_REPORTER,		/* empty when TLP is amber or red */
	MP_TF_REPORTER_ADDRESS,	/* only with disclose name+address */
	MP_TF_REPORT_ID,
	MP_TF_TLP,
	MP_TF_FORMAT,		/* ARF, X-ARF 0.2, XARF 4, ... */
	MP_TF_NOTICE_ID,
	MP_TF_DATE,		/* when the notification was made */
	MP_TF_IDENTITY,		/* the clearinghouse's From address */
	MP_TF_IDENTITY_NAME,
	MP_TF_IDENTITY_DOMAIN,
	MP_TF_CONTACT,		/* the recipient(s) */
	MP_TF_ATTACHMENT,	/* file name of the attached report, or empty */
	MP_TF_REDACTED,		/* non-empty when something was redacted */
	MP_TF_WEBSITE,
	MP_TF_PHONE,
	MP_TF_TICKET,		/* the ticket (ticket.h), or empty */
	/* list notifications (notify_list.h); empty in a single one */
	MP_TF_ROWS,		/* how many rows: "137" */
	MP_TF_PLURAL,		/* non-empty when rows is more than 1 */
	MP_TF_FEED,		/* the feeds' names: "scan_rdp, scan_smb" */
	MP_TF_CASE_REF,		/* the reporter's case reference(s) */
	MP_TF_REPLY_TO,		/* the helpdesk (ReplyAddress), or empty */
	MP_TF_COUNT
};

/* Template sets exist for MP_LANG_NL and MP_LANG_EN (lang.h); any other
   language reads the Dutch set. */

struct mp_template;
struct mp_template_set;

/* "source_ip" for MP_TF_SOURCE_IP; NULL when out of range. */
const char *mp_template_field_name(enum mp_tfield f);

/* A template's file name is its type's mp_report_type_name() (report.h). */

/* "nl", "en". */
const char *mp_template_lang_name(enum mp_lang lang);

/*
 * Parse one template from memory; `name` (a file name) prefixes errors.
 * With `with_subject` zero the text is a body only (footer.tmpl).
 */
int mp_template_parse(const char *name, const char *text, size_t len,
    int with_subject, struct mp_template **tp, struct mp_error *err);

int mp_template_load(const char *path, int with_subject,
    struct mp_template **tp, struct mp_error *err);

void mp_template_free(struct mp_template **tp);

/*
 * Render with vals[MP_TF_COUNT] (NULL or "" = empty). The subject (one
 * line) is appended to `subject` when the template has one and
 * `subject` is not NULL; the body to `body`.
 */
int mp_template_render(const struct mp_template *t,
    const char *const vals[MP_TF_COUNT], struct mp_buf *subject,
    struct mp_buf *body);

int mp_templates_load(const char *dir, struct mp_template_set **setp,
    struct mp_error *err);

void mp_templates_free(struct mp_template_set **setp);

/* The template for a type in a language, its list variant; the footer
 * of a language. */
const struct mp_template *mp_templates_get(const struct mp_template_set *set,
    enum mp_lang lang, enum mp_report_type type);
const struct mp_template *mp_templates_get_list(
    const struct mp_template_set *set, enum mp_lang lang,
    enum mp_report_type type);
const struct mp_template *mp_templates_footer(const struct mp_template_set *set,
    enum mp_lang lang);

#endif

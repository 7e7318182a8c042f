/*
 * feed_int - helpers shared by the feed readers and formats (not public)
 */
#ifndef MP_FEED_INT_H
#define MP_FEED_INT_H

#include <stddef.h>

#include "feed.h"

/* The arena: bump allocation in blocks, freed at once with the feed.
 * While f->scratch is set (a row on its way to a sink) allocations go
 * to the scratch arena instead, emptied by mp_fa_scratch_reset(). */
void *mp_fa_alloc(struct mp_feed *f, size_t n);
void mp_fa_scratch_reset(struct mp_feed *f);
char *mp_fa_strndup(struct mp_feed *f, const char *s, size_t n);
char *mp_fa_strdup(struct mp_feed *f, const char *s);
char *mp_fa_printf(struct mp_feed *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A safe copy (report.h rules: UTF-8, no controls, trimmed, at most
 * MP_REPORT_MAX_VALUE bytes) in the arena; NULL when empty or on OOM
 * (*oom set). */
char *mp_fa_text(struct mp_feed *f, const char *s, int *oom);

struct mp_feed *mp_feed_new(enum mp_feed_kind kind, struct mp_error *err);

/* Mark a row invalid (the first reason wins). */
void mp_feed_invalid(struct mp_feed *f, struct mp_feed_row *row,
    const char *reason);

/* The columns a format reads, by index (-1 when absent). */
struct mp_feed_cols {
	long ip, port, src_port, protocol, asn, timestamp, hostname, tag,
	    severity, cve, type, url, infection;
};

/* First of the names present (a '|'-separated list), or -1. */
long mp_feed_column_any(const struct mp_feed *f, const char *names);

/* How a format fills a row's model while the CSV is read (one pass). */
struct mp_feed_fill {
	/* After the header: set `cols` from the names, or refuse (MP_EINPUT). */
	int (*header)(struct mp_feed *f, struct mp_feed_fill *fl,
	    struct mp_error *err);
	struct mp_feed_cols cols;
	const char *service;	/* for every row (arena string) or NULL */
	int per_row_type;	/* the `type` column names the row's type */
};

/* Fill a raw-valid row's model from its cells (cell[i], i < ncells):
 * address, ports, ASN, time, host name, tags and CVEs, severity, URL. A
 * value that is present but wrong makes the row invalid, naming column
 * and value. MP_OK or MP_ENOMEM. */
int mp_feed_fill_row(struct mp_feed *f, struct mp_feed_row *row,
    const struct mp_feed_fill *fl, const char *const *cell);

/* mp_feed_csv_read(), filling each row as it is read when fl is set. */
int mp_feed_csv_read_fill(struct mp_feed *f, const void *data, size_t len,
    const struct mp_feed_limits *lim, struct mp_feed_fill *fl,
    struct mp_error *err);

/*
 * The same, pushed in pieces (feed_csv.c): begin (est_rows sizes the
 * row array and the duplicate table, 0 when unknown), push the text as it
 * comes, end. A push or end that fails returns the code with err set
 * (err is the one given to begin); after a failed push, free instead of
 * end. A row goes to f->sink when the feed has one, else to f->rows.
 */
struct mp_feed_csv;
int mp_feed_csv_begin(struct mp_feed *f, const struct mp_feed_limits *lim,
    struct mp_feed_fill *fl, size_t est_rows, struct mp_feed_csv **out,
    struct mp_error *err);
int mp_feed_csv_push(struct mp_feed_csv *rd, const void *data, size_t len);
int mp_feed_csv_end(struct mp_feed_csv **rdp);
void mp_feed_csv_free(struct mp_feed_csv **rdp);

/*
 * A Shadowserver table or a generic list named for its file, not read
 * yet: the caller may set what the rows carry (reporter, report id) and
 * f->sink before mp_feed_load() with *fl. MP_OK with *fp, or an error.
 */
int mp_feed_shadowserver_new(const char *filename, struct mp_feed **fp,
    struct mp_feed_fill *fl, struct mp_error *err);
int mp_feed_list_new(const char *filename, enum mp_report_type type,
    const char *case_ref, struct mp_feed **fp, struct mp_feed_fill *fl,
    struct mp_error *err);

/* Read `data` (a zip by magic or ".zip" name, else CSV) into f; the zip's
 * *.csv entry name goes to f->entry. */
int mp_feed_load(struct mp_feed *f, const char *filename, const void *data,
    size_t len, const struct mp_feed_limits *lim, struct mp_feed_fill *fl,
    struct mp_error *err);

#endif

/*
 * feed_int - helpers shared by the feed readers and formats (not public)
 */
#ifndef MP_FEED_INT_H
#define MP_FEED_INT_H

#include <stddef.h>

#include "feed.h"

/* The arena: bump allocation in blocks, freed at once with the feed. */
void *mp_fa_alloc(struct mp_feed *f, size_t n);
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

/* Fill every raw-valid row's model from the columns: address, ports,
 * ASN, time, host name, tags and CVEs, severity, URL. A value that is
 * present but wrong makes the row invalid, naming column and value.
 * `service` and `detail_prefix` go to every row (arena strings or NULL).
 * `per_row_type`: the `type` column names the row's report type (lists).
 * Returns MP_OK or MP_ENOMEM. */
int mp_feed_fill(struct mp_feed *f, const struct mp_feed_cols *c,
    const char *service, int per_row_type, struct mp_error *err);

/* Read `data` (a zip by magic or ".zip" name, else CSV) into f's raw
 * rows; the zip's first *.csv entry name goes to f->entry. */
int mp_feed_load(struct mp_feed *f, const char *filename, const void *data,
    size_t len, const struct mp_feed_limits *lim, struct mp_error *err);

/* Case-insensitive suffix test; NULL-safe. */
int mp_feed_ends_with(const char *s, const char *suffix);

#endif

/*
 * NAME
 *	feed - list reports: one mail, many incidents (Shadowserver CSV,
 *	a researcher's CSV list), split into rows
 * DESCRIPTION
 *	A feed is one CSV table (after unzipping) read by header name,
 *	never by position: columns are added over time. Each data row
 *	becomes a struct mp_report (the same model as a single incident)
 *	plus the feed's own columns, kept byte for byte for the CSV
 *	attachment of a notification. Every row ends in exactly one state:
 *	MP_ROW_VALID, or MP_ROW_INVALID with a reason naming the column,
 *	value or limit ("ip is not an address: \"x\"", "duplicate of row 3",
 *	"header repeated", "21 columns, the header has 20"). No row is
 *	dropped. A duplicate is a row whose cells are those of an earlier
 *	valid row, byte for byte, as told by a 96-bit hash of the cells
 *	(feed_csv.c: the rows need not be kept to be compared).
 *
 *	A table is read as it is unzipped (64 KiB at a time, never whole)
 *	and each row is handled as soon as it is read: kept in f->rows, or,
 *	with a sink (struct mp_feed_sink, mp_feed_opts.sink), handed to the
 *	caller and forgotten, so a table of 100,000 rows is never in memory
 *	(intake's list path). A table refused late -- a limit met, a zip
 *	whose end is damaged -- may have given rows to the sink already: the
 *	caller takes back what it did with them.
 *
 *	Shadowserver (feed_shadowserver.c): the report type from the file
 *	name YYYY-MM-DD-<type>-<org>-<scope>.csv[.zip], legacy names through
 *	an alias table (dns_openresolver -> scan_dns, sinkhole_http_drone ->
 *	event4_sinkhole_http, ...), mapped to meldpunt's report types
 *	(docs/feeds.md). Columns ip|src_ip, port|src_port, protocol,
 *	asn|src_asn, timestamp (UTC), hostname|http_host, tag (split on ','
 *	or ';'; CVE-YYYY-N among them), severity.
 *	A generic list (feed_list.c): a header row with ip (or src_ip),
 *	optional port, timestamp, hostname, asn, type, cve, tag, severity;
 *	the report type and case reference come from the caller (the
 *	reporter's record).
 *
 *	mp_report_parse_all() handles a whole message: a single incident
 *	(mp_report_parse(), unchanged), the feeds of its attachments, each
 *	message of a digest (Mailman MIME digests, forwarded reports), or a
 *	link-only report (a download URL and no attachment: nothing fetches
 *	URLs, the result says so).
 * LIMITS (struct mp_feed_limits; mp_feed_limits_default())
 *	max_bytes	CSV bytes of one table (after unzipping)
 *	max_rows	data rows of one table (more: the table is refused)
 *	max_columns	columns of the header (more: refused; a data row
 *			with another count is invalid)
 *	max_field	bytes of one cell (longer: the row is invalid,
 *			the cell kept cut; a NUL byte in a cell: '?', invalid)
 *	max_zip_entries	entries in one zip file
 *	max_zip_size	uncompressed bytes of one zip (declared and read)
 *	max_zip_ratio	uncompressed / compressed size of an entry (of
 *			more than 64 KiB; declared and as read)
 *	max_items	reports in one message (digests, several attachments)
 *	A zip entry whose name has a path (/, \, ..) or is not *.csv is
 *	refused. A UTF-8 BOM is skipped; CRLF, quoted commas, quotes and
 *	newlines are CSV (RFC 4180, libcsv); a stray quote inside a quoted
 *	field is taken literally.
 * OUTPUT SAFETY
 *	The row's struct mp_report fields are sanitised like any report's
 *	(report.h). The feed's own cells are raw: anything that goes to a
 *	notification or a CSV attachment passes mp_feed_defang() first.
 * OWNERSHIP
 *	A feed owns its rows and all their strings (one arena); a row's
 *	struct mp_report is never given to mp_report_free(). mp_feed_free()
 *	and mp_report_set_free() release everything. A row given to a sink,
 *	and its strings, live until the sink returns.
 * THREADS
 *	Pure functions of their input, like report.h.
 */
#ifndef MP_FEED_H
#define MP_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "report.h"

struct mp_message;

#define MP_FEED_MAX_BYTES	(64u * 1024 * 1024)
#define MP_FEED_MAX_ROWS	1000000u
#define MP_FEED_MAX_COLUMNS	256u
#define MP_FEED_MAX_FIELD	4096u
#define MP_FEED_MAX_ZIP_ENTRIES	16u
#define MP_FEED_MAX_ZIP_SIZE	(64u * 1024 * 1024)
#define MP_FEED_MAX_ZIP_RATIO	200u
#define MP_FEED_MAX_ITEMS	64u

struct mp_feed_limits {
	size_t max_bytes;
	size_t max_rows;
	size_t max_columns;
	size_t max_field;
	size_t max_zip_entries;
	size_t max_zip_size;
	unsigned max_zip_ratio;
	size_t max_items;
};

void mp_feed_limits_default(struct mp_feed_limits *lim);

enum mp_feed_kind {
	MP_FEED_SHADOWSERVER = 1,
	MP_FEED_LIST,		/* a generic CSV list */
};

enum mp_row_state {
	MP_ROW_VALID = 0,
	MP_ROW_INVALID,
};

struct mp_feed_row {
	struct mp_report r;	/* borrowed strings: never mp_report_free();
				   r.format is 0 (the feed's kind says) */
	enum mp_row_state state;
	const char *reason;	/* why invalid; NULL when valid */
	size_t line;		/* data row number, 1 = the first after the header */
	const char *protocol;	/* "tcp", "udp", ... or NULL */
	const char *severity;	/* as the feed says, or NULL */
	const char *tags;	/* the tag values joined with ',', or NULL */
	const char *cves;	/* CVE ids (upper case) joined with ',', or NULL */
	const char *cells;	/* the row's cells, each NUL-terminated, ncells */
	size_t ncells;
	size_t cells_len;	/* bytes of cells, the NULs included */
};

struct mp_feed_arena;
struct mp_feed;

/*
 * Where the rows of a table go when they are not to be kept (a list
 * report at intake: 100,000 rows need not all be in memory at once).
 * begin: the table's header is read (f->columns, f->ncolumns set).
 * row: each data row in order, as soon as it is read, valid or not (its
 * state and reason set, its model filled when valid); cells[i] for i <
 * row->ncells are its raw cells. The row, its strings and the cells live
 * until the call returns. Either returns MP_OK, or a code that stops the
 * parse (err set), which mp_report_parse_all() then returns.
 */
struct mp_feed_sink {
	int (*begin)(void *arg, const struct mp_feed *f, size_t item,
	    struct mp_error *err);
	int (*row)(void *arg, const struct mp_feed *f, size_t item,
	    const struct mp_feed_row *row, const char *const *cells,
	    struct mp_error *err);
	void *arg;
};

struct mp_feed {
	enum mp_feed_kind kind;
	enum mp_report_type type;	/* the whole table's type */
	const char *name;	/* Shadowserver report type (canonical) or "list" */
	const char *alias;	/* the file name's legacy type word, or NULL */
	const char *filename;	/* attachment file name, or NULL */
	const char *entry;	/* zip entry name, or NULL */
	const char *case_ref;	/* the caller's case reference, or NULL */
	time_t report_date;	/* from the file name, 0 if none */
	const char *reporter_addr;	/* from the message, or NULL */
	const char *reporter_org;
	const char *report_id;

	const char **columns;	/* header names as in the file (trimmed) */
	size_t ncolumns;
	struct mp_feed_row *rows;	/* NULL when the rows went to a sink */
	size_t nrows, nvalid, ninvalid;

	struct mp_feed_arena *arena;
	/* parser state */
	size_t cap;
	const struct mp_feed_sink *sink;	/* or NULL: rows kept */
	size_t item;			/* the feed's number, for the sink */
	struct mp_feed_arena *scratch_arena;	/* one row's strings (sink) */
	int scratch;
};

/* Column index by name (case-insensitive), or -1. */
long mp_feed_column(const struct mp_feed *f, const char *name);

/* Cell `col` of a row (raw, NUL-terminated; "" beyond the row). */
const char *mp_feed_cell(const struct mp_feed_row *row, size_t col);

void mp_feed_free(struct mp_feed **fp);

/*
 * The one output helper for cells and report strings that go to a
 * notification or a CSV attachment: CR, LF, NUL and other control
 * characters become a space, invalid UTF-8 '?', leading blanks are
 * dropped, and a value starting with '=', '+', '-', '@' (a spreadsheet
 * formula) gets a leading "'" unless it is a plain number. Writes at
 * most size-1 bytes and a NUL; returns out.
 */
char *mp_feed_defang(const char *in, char *out, size_t size);

/* ---- readers (feed_csv.c, feed_zip.c) ---- */

/*
 * Split CSV text into f->columns and f->rows (raw cells only: the row
 * models are filled by the format, below). MP_OK, or MP_ELIMIT (bytes,
 * rows, header columns), MP_EINPUT (no header), MP_ENOMEM.
 */
int mp_feed_csv_read(struct mp_feed *f, const void *data, size_t len,
    const struct mp_feed_limits *lim, struct mp_error *err);

/* One unzipped entry. */
struct mp_zip_entry {
	char *name;
	unsigned char *data;	/* NUL-terminated one past len */
	size_t len;
	size_t size;		/* allocated */
};

/*
 * The *.csv entries of a zip in memory, each within the limits; entries
 * whose name is a directory are skipped, any other refuses the zip.
 * Free with mp_zip_entries_free().
 */
int mp_zip_read(const void *data, size_t len, const struct mp_feed_limits *lim,
    struct mp_zip_entry **out, size_t *nout, struct mp_error *err);
void mp_zip_entries_free(struct mp_zip_entry *e, size_t n);

/* ---- formats ---- */

/* A Shadowserver report type: table row of docs/feeds.md. */
struct mp_shadowserver_type {
	const char *name;	/* "scan_ntp" */
	const char *alias_of;	/* legacy name: the canonical one, else NULL */
	enum mp_report_type type;
};

/* Row i of the table, or NULL past the end. */
const struct mp_shadowserver_type *mp_shadowserver_type_row(size_t i);

/* The canonical entry for a name or legacy alias, or NULL. */
const struct mp_shadowserver_type *mp_shadowserver_lookup(const char *name);

/*
 * 1 when `filename` is YYYY-MM-DD-<type>-...csv[.zip]; then the type word
 * (at most size-1 bytes) goes to `type` and the date to *date.
 */
int mp_shadowserver_filename(const char *filename, char *type, size_t size,
    time_t *date);

/*
 * A Shadowserver table: `data` is the CSV or the zip (by `filename`'s
 * suffix or the zip magic). MP_OK with *fp, or MP_EINPUT / MP_ELIMIT.
 */
int mp_feed_parse_shadowserver(const char *filename, const void *data,
    size_t len, const struct mp_feed_limits *lim, struct mp_feed **fp,
    struct mp_error *err);

/* A generic CSV list (CSV or zip), of report type `type` and case `ref`. */
int mp_feed_parse_list(const char *filename, const void *data, size_t len,
    enum mp_report_type type, const char *case_ref,
    const struct mp_feed_limits *lim, struct mp_feed **fp,
    struct mp_error *err);

/* ---- one message, several reports ---- */

enum mp_item_kind {
	MP_ITEM_REPORT = 1,	/* one incident: `report` */
	MP_ITEM_FEED,		/* a list: `feed` */
	MP_ITEM_LINK_ONLY,	/* a download link, nothing attached: `link` */
	MP_ITEM_REFUSED,	/* a part of a digest that is no report: `why` */
};

struct mp_report_item {
	enum mp_item_kind kind;
	struct mp_report *report;
	struct mp_feed *feed;
	char *link;
	char *why;
	size_t digest_part;	/* 1-based message of a digest; 0 otherwise */
};

struct mp_report_set {
	struct mp_report_item *items;
	size_t n;
};

/* What the caller knows of the reporter (its routing record). */
struct mp_feed_opts {
	const struct mp_feed_limits *limits;	/* NULL: defaults */
	/* When set, a CSV attachment that is not Shadowserver's is read as
	 * a generic list of this type and case reference. */
	int list;
	enum mp_report_type list_type;
	const char *case_ref;
	const struct mp_message_limits *msg_limits;	/* digest parts */
	/* When set, every table's rows go to the sink as they are read and
	 * its MP_ITEM_FEED keeps none (rows NULL; the counts are set). The
	 * sink's item is the feed's index in the set it ends up in. */
	const struct mp_feed_sink *sink;
};

/*
 * Everything the message holds. A message mp_report_parse() accepts
 * gives one MP_ITEM_REPORT, exactly as before. Otherwise the Shadowserver
 * (and, with opts->list, CSV) attachments give one MP_ITEM_FEED each; a
 * digest (multipart/digest, or message/rfc822 parts of the top
 * multipart) gives an item per message; a message with a download URL
 * and no attachment gives MP_ITEM_LINK_ONLY. When nothing is found the
 * error is mp_report_parse()'s ("not a report: ..."). A table that breaks
 * a limit refuses the whole message (MP_ELIMIT): no row is dropped.
 */
int mp_report_parse_all(const struct mp_message *msg,
    const struct mp_feed_opts *opts, struct mp_report_set **out,
    struct mp_error *err);

void mp_report_set_free(struct mp_report_set **sp);

/* "report", "feed", "link-only", "refused". */
const char *mp_item_kind_name(enum mp_item_kind k);

#endif

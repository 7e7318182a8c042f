/*
 * NAME
 *	milterproto - the MTA side of the milter protocol (version 6), as a
 *	pure codec for the load client tests/bench/milter-load
 * SYNOPSIS
 *	#include "milterproto.h"
 * DESCRIPTION
 *	A packet on the wire is a 4-byte big-endian length (covering the
 *	command byte and the data), one command byte, then the data. The
 *	mp_mproto_put_*() functions append one packet for an MTA command to a
 *	struct mp_buf; mp_mproto_take() cuts one packet (from the filter)
 *	off the front of received bytes; mp_mproto_parse_optneg() and
 *	mp_mproto_parse_reply() decode what is in it. Nothing here does I/O,
 *	logs or keeps global state, so every function is unit-testable.
 *
 *	mp_mproto_msg_load() splits a raw RFC 5322 message (LF or CRLF line
 *	ends) into the pieces an MTA sends: header fields (name and value,
 *	continuation lines joined with LF, as Sendmail and Postfix send them)
 *	and a body with CRLF line ends.
 * OWNERSHIP
 *	Decoded packets and replies point into the caller's receive buffer
 *	and are valid until it changes. A struct mp_mproto_msg owns its
 *	copies; mp_mproto_msg_free() releases them.
 * LIMITS
 *	MP_MPROTO_MAX_PACKET: the largest packet accepted from a filter (1 MiB
 *	+ 1, the largest data size the protocol can negotiate). A body chunk
 *	sent is at most MP_MPROTO_CHUNK (65535) bytes. A message has at most
 *	MP_MPROTO_MAX_HEADERS header fields.
 */
#ifndef MP_MILTERPROTO_H
#define MP_MILTERPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

#define MP_MPROTO_VERSION	6
#define MP_MPROTO_CHUNK		65535
#define MP_MPROTO_MAX_PACKET	(1024 * 1024 + 1)
#define MP_MPROTO_MAX_HEADERS	1000

/* Commands (MTA to filter), as in libmilter's mfdef.h. */
#define MP_MC_ABORT	'A'
#define MP_MC_BODY	'B'
#define MP_MC_CONNECT	'C'
#define MP_MC_MACRO	'D'
#define MP_MC_BODYEOB	'E'
#define MP_MC_HELO	'H'
#define MP_MC_HEADER	'L'
#define MP_MC_MAIL	'M'
#define MP_MC_EOH	'N'
#define MP_MC_OPTNEG	'O'
#define MP_MC_QUIT	'Q'
#define MP_MC_RCPT	'R'
#define MP_MC_DATA	'T'

/* Replies (filter to MTA). */
#define MP_MR_ADDRCPT		'+'
#define MP_MR_DELRCPT		'-'
#define MP_MR_ADDRCPT_PAR	'2'
#define MP_MR_SHUTDOWN		'4'
#define MP_MR_ACCEPT		'a'
#define MP_MR_REPLBODY		'b'
#define MP_MR_CONTINUE		'c'
#define MP_MR_DISCARD		'd'
#define MP_MR_CHGFROM		'e'
#define MP_MR_CONN_FAIL		'f'
#define MP_MR_ADDHEADER		'h'
#define MP_MR_INSHEADER		'i'
#define MP_MR_CHGHEADER		'm'
#define MP_MR_PROGRESS		'p'
#define MP_MR_QUARANTINE	'q'
#define MP_MR_REJECT		'r'
#define MP_MR_SKIP		's'
#define MP_MR_TEMPFAIL		't'
#define MP_MR_REPLYCODE		'y'

/* Protocol flags (SMFIP_*) the driver acts on. */
#define MP_MP_NOCONNECT	0x00000001UL
#define MP_MP_NOHELO	0x00000002UL
#define MP_MP_NOMAIL	0x00000004UL
#define MP_MP_NORCPT	0x00000008UL
#define MP_MP_NOBODY	0x00000010UL
#define MP_MP_NOHDRS	0x00000020UL
#define MP_MP_NOEOH	0x00000040UL
#define MP_MP_NR_HDR	0x00000080UL
#define MP_MP_NOUNKNOWN	0x00000100UL
#define MP_MP_NODATA	0x00000200UL
#define MP_MP_SKIP	0x00000400UL
#define MP_MP_RCPT_REJ	0x00000800UL
#define MP_MP_NR_CONN	0x00001000UL
#define MP_MP_NR_HELO	0x00002000UL
#define MP_MP_NR_MAIL	0x00004000UL
#define MP_MP_NR_RCPT	0x00008000UL
#define MP_MP_NR_DATA	0x00010000UL
#define MP_MP_NR_UNKN	0x00020000UL
#define MP_MP_NR_EOH	0x00040000UL
#define MP_MP_NR_BODY	0x00080000UL
#define MP_MP_HDR_LEADSPC 0x00100000UL
#define MP_MP_ALL	0x001FFFFFUL	/* every step flag an MTA can offer */
#define MP_MA_ALL	0x000001FFUL	/* every action (SMFIF_*) of version 6 */

/* One packet; data points into the caller's buffer. */
struct mp_mproto_pkt {
	char cmd;
	const char *data;
	size_t len;
};

/* What the filter answered to OPTNEG. */
struct mp_mproto_neg {
	uint32_t version;
	uint32_t actions;
	uint32_t protocol;
	unsigned nsymlists;		/* SETSYMLIST entries seen (not kept) */
};

enum mp_mproto_kind {
	MP_MPROTO_FINAL,	/* ends the step: continue, accept, reject, ... */
	MP_MPROTO_MODIFY,	/* an end-of-message modification; more follows */
	MP_MPROTO_PROGRESS,	/* keep waiting */
};

struct mp_mproto_reply {
	enum mp_mproto_kind kind;
	char cmd;
	uint32_t index;		/* INSHEADER, CHGHEADER */
	const char *name;	/* header name; NULL if none */
	const char *value;	/* header value, recipient, sender, reply text, reason */
	const char *args;	/* ESMTP args (ADDRCPT_PAR, CHGFROM); NULL if none */
	size_t len;		/* REPLBODY: bytes of body data */
};

struct mp_mproto_hdr {
	char *name;
	char *value;		/* leading white space kept; continuation lines joined by LF */
};

struct mp_mproto_msg {
	struct mp_mproto_hdr *hdrs;
	size_t nhdrs;
	char *body;		/* CRLF line ends */
	size_t body_len;
};

/* Encoding: each appends one whole packet to out, or nothing on error. */
int mp_mproto_put(struct mp_buf *out, char cmd, const void *data, size_t len);
/* Data made of n NUL-terminated strings (e.g. MAIL "<a@b>" "SIZE=10"). */
int mp_mproto_put_strs(struct mp_buf *out, char cmd, const char *const *s, size_t n);
int mp_mproto_put_optneg(struct mp_buf *out, uint32_t version, uint32_t actions,
    uint32_t protocol);
/* family: 'L' unix, '4' inet, '6' inet6, 'U' unknown (then no port/addr). */
int mp_mproto_put_connect(struct mp_buf *out, const char *host, char family,
    uint16_t port, const char *addr);
/* A macro packet for the command `stage`: names[i] = values[i] pairs. */
int mp_mproto_put_macros(struct mp_buf *out, char stage, const char *const *names,
    const char *const *values, size_t n);
/* One header field; leadspc=0 strips the white space that starts value,
 * as an MTA does unless SMFIP_HDR_LEADSPC was negotiated. */
int mp_mproto_put_header(struct mp_buf *out, const char *name, const char *value,
    int leadspc);

/* Decoding. 1: *pkt holds a packet of *used bytes; 0: need more bytes;
 * MP_EINPUT/MP_ELIMIT: a broken stream (err says why). */
int mp_mproto_take(const void *in, size_t len, struct mp_mproto_pkt *pkt,
    size_t *used, struct mp_error *err);
int mp_mproto_parse_optneg(const struct mp_mproto_pkt *pkt,
    struct mp_mproto_neg *neg, struct mp_error *err);
int mp_mproto_parse_reply(const struct mp_mproto_pkt *pkt,
    struct mp_mproto_reply *r, struct mp_error *err);
/* A short fixed name of a reply command ("accept", "addheader", ...). */
const char *mp_mproto_reply_name(char cmd);

int mp_mproto_msg_load(const char *data, size_t len, struct mp_mproto_msg *msg,
    struct mp_error *err);
void mp_mproto_msg_free(struct mp_mproto_msg *msg);

#endif

/*
 * milterproto - encode MTA commands, decode filter replies (see the header)
 *
 * Encoding appends a whole packet or nothing: a failed append rolls the
 * buffer back, so a caller never sends half a packet. Decoding trusts no
 * byte: a length of 0 or beyond MP_MPROTO_MAX_PACKET, or a string without
 * its NUL, is a broken stream.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "milterproto.h"

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get32(const void *v)
{
	const unsigned char *p = v;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Append the 5-byte packet head for `len` bytes of data to come. */
static int
put_head(struct mp_buf *out, char cmd, size_t len)
{
	unsigned char head[5];

	if (len >= MP_MPROTO_MAX_PACKET)
		return MP_ELIMIT;
	put32(head, (uint32_t)len + 1);
	head[4] = (unsigned char)cmd;
	return mp_buf_append(out, head, sizeof(head));
}

int
mp_mproto_put(struct mp_buf *out, char cmd, const void *data, size_t len)
{
	size_t mark = out->len;
	int rc;

	if ((rc = put_head(out, cmd, len)) != MP_OK)
		return rc;
	if (len > 0 && (rc = mp_buf_append(out, data, len)) != MP_OK) {
		out->len = mark;
		return rc;
	}
	return MP_OK;
}

int
mp_mproto_put_strs(struct mp_buf *out, char cmd, const char *const *s, size_t n)
{
	size_t i, len = 0, mark = out->len;
	int rc;

	for (i = 0; i < n; i++)
		len += strlen(s[i]) + 1;
	if ((rc = put_head(out, cmd, len)) != MP_OK)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = mp_buf_append(out, s[i], strlen(s[i]) + 1)) != MP_OK) {
			out->len = mark;
			return rc;
		}
	return MP_OK;
}

int
mp_mproto_put_optneg(struct mp_buf *out, uint32_t version, uint32_t actions,
    uint32_t protocol)
{
	unsigned char d[12];

	put32(d, version);
	put32(d + 4, actions);
	put32(d + 8, protocol);
	return mp_mproto_put(out, MP_MC_OPTNEG, d, sizeof(d));
}

int
mp_mproto_put_connect(struct mp_buf *out, const char *host, char family,
    uint16_t port, const char *addr)
{
	size_t hl = strlen(host) + 1, al, mlen, mark = out->len;
	unsigned char mid[3];
	int rc;

	mid[0] = (unsigned char)family;
	mid[1] = (unsigned char)(port >> 8);
	mid[2] = (unsigned char)port;
	/* An unknown family carries neither port nor address. */
	al = family == 'U' ? 0 : strlen(addr) + 1;
	mlen = family == 'U' ? 1 : sizeof(mid);
	if ((rc = put_head(out, MP_MC_CONNECT, hl + mlen + al)) != MP_OK)
		return rc;
	if (mp_buf_append(out, host, hl) != MP_OK ||
	    mp_buf_append(out, mid, mlen) != MP_OK ||
	    (al > 0 && mp_buf_append(out, addr, al) != MP_OK)) {
		out->len = mark;
		return MP_ENOMEM;
	}
	return MP_OK;
}

int
mp_mproto_put_macros(struct mp_buf *out, char stage, const char *const *names,
    const char *const *values, size_t n)
{
	size_t i, len = 1, mark = out->len;
	int rc;

	for (i = 0; i < n; i++)
		len += strlen(names[i]) + 1 + strlen(values[i]) + 1;
	if ((rc = put_head(out, MP_MC_MACRO, len)) != MP_OK)
		return rc;
	if ((rc = mp_buf_append(out, &stage, 1)) != MP_OK)
		goto fail;
	for (i = 0; i < n; i++)
		if ((rc = mp_buf_append(out, names[i], strlen(names[i]) + 1)) != MP_OK ||
		    (rc = mp_buf_append(out, values[i], strlen(values[i]) + 1)) != MP_OK)
			goto fail;
	return MP_OK;
fail:
	out->len = mark;
	return rc;
}

int
mp_mproto_put_header(struct mp_buf *out, const char *name, const char *value,
    int leadspc)
{
	if (!leadspc)
		value += strspn(value, " \t");
	return mp_mproto_put_strs(out, MP_MC_HEADER,
	    (const char *const[]){ name, value }, 2);
}

int
mp_mproto_take(const void *in, size_t len, struct mp_mproto_pkt *pkt,
    size_t *used, struct mp_error *err)
{
	const char *p = in;
	uint32_t plen;

	if (len < 4)
		return 0;
	plen = get32(p);
	if (plen == 0)
		return mp_error_set(err, MP_EINPUT, "milter sent a packet of "
		    "length 0 (a packet holds at least its command byte)");
	if (plen > MP_MPROTO_MAX_PACKET)
		return mp_error_set(err, MP_ELIMIT, "milter sent a packet of "
		    "%lu bytes, more than %d (limit)", (unsigned long)plen,
		    MP_MPROTO_MAX_PACKET);
	if (len - 4 < plen)
		return 0;
	pkt->cmd = p[4];
	pkt->data = p + 5;
	pkt->len = plen - 1;
	*used = (size_t)plen + 4;
	return 1;
}

int
mp_mproto_parse_optneg(const struct mp_mproto_pkt *pkt,
    struct mp_mproto_neg *neg, struct mp_error *err)
{
	const char *p = pkt->data, *nul;
	size_t left = pkt->len;

	if (pkt->cmd != MP_MC_OPTNEG)
		return mp_error_set(err, MP_EINPUT, "milter answered option "
		    "negotiation with command 0x%02x, not 'O'",
		    (unsigned char)pkt->cmd);
	if (left < 12)
		return mp_error_set(err, MP_EINPUT, "option negotiation reply "
		    "of %zu bytes, less than 12", left);
	neg->version = get32(p);
	neg->actions = get32(p + 4);
	neg->protocol = get32(p + 8);
	neg->nsymlists = 0;
	p += 12, left -= 12;
	/* Optional SETSYMLIST entries: a 4-byte stage, a NUL-terminated list. */
	while (left > 0) {
		if (left < 5 || (nul = memchr(p + 4, '\0', left - 4)) == NULL)
			return mp_error_set(err, MP_EINPUT, "option negotiation "
			    "reply: a macro list without its NUL");
		left -= (size_t)(nul + 1 - p);
		p = nul + 1;
		neg->nsymlists++;
	}
	if (neg->version < 2 || neg->version > MP_MPROTO_VERSION)
		return mp_error_set(err, MP_EINPUT, "milter speaks protocol "
		    "version %lu; this client speaks 2 to %d",
		    (unsigned long)neg->version, MP_MPROTO_VERSION);
	return MP_OK;
}

/* The next NUL-terminated string of a reply, or NULL. */
static const char *
next_str(const char **p, size_t *left)
{
	const char *s = *p, *nul;

	if (*left == 0 || (nul = memchr(s, '\0', *left)) == NULL)
		return NULL;
	*left -= (size_t)(nul + 1 - s);
	*p = nul + 1;
	return s;
}

static int
parse_header_reply(const char *p, size_t left, int indexed,
    struct mp_mproto_reply *r)
{
	if (indexed) {
		if (left < 4)
			return -1;
		r->index = get32(p);
		p += 4, left -= 4;
	}
	if ((r->name = next_str(&p, &left)) == NULL ||
	    (r->value = next_str(&p, &left)) == NULL || *r->name == '\0')
		return -1;
	return 0;
}

int
mp_mproto_parse_reply(const struct mp_mproto_pkt *pkt,
    struct mp_mproto_reply *r, struct mp_error *err)
{
	const char *p = pkt->data;
	size_t left = pkt->len;
	int bad = 0;

	memset(r, 0, sizeof(*r));
	r->cmd = pkt->cmd;
	r->kind = MP_MPROTO_MODIFY;
	switch (pkt->cmd) {
	case MP_MR_ACCEPT: case MP_MR_CONTINUE: case MP_MR_DISCARD:
	case MP_MR_REJECT: case MP_MR_TEMPFAIL: case MP_MR_SKIP:
	case MP_MR_CONN_FAIL: case MP_MR_SHUTDOWN:
		r->kind = MP_MPROTO_FINAL;
		break;
	case MP_MR_REPLYCODE:
		r->kind = MP_MPROTO_FINAL;
		r->value = next_str(&p, &left);
		bad = r->value == NULL || strlen(r->value) < 3 ||
		    (r->value[0] != '4' && r->value[0] != '5');
		break;
	case MP_MR_PROGRESS:
		r->kind = MP_MPROTO_PROGRESS;
		break;
	case MP_MR_ADDHEADER:
		bad = parse_header_reply(p, left, 0, r);
		break;
	case MP_MR_INSHEADER: case MP_MR_CHGHEADER:
		bad = parse_header_reply(p, left, 1, r);
		break;
	case MP_MR_ADDRCPT: case MP_MR_DELRCPT: case MP_MR_QUARANTINE:
		bad = (r->value = next_str(&p, &left)) == NULL;
		break;
	case MP_MR_ADDRCPT_PAR: case MP_MR_CHGFROM:
		bad = (r->value = next_str(&p, &left)) == NULL;
		if (!bad && left > 0)
			bad = (r->args = next_str(&p, &left)) == NULL;
		break;
	case MP_MR_REPLBODY:
		r->value = p;
		r->len = left;
		break;
	default:
		return mp_error_set(err, MP_EINPUT, "milter sent unknown reply "
		    "command 0x%02x", (unsigned char)pkt->cmd);
	}
	if (bad)
		return mp_error_set(err, MP_EINPUT, "milter sent a malformed "
		    "'%s' reply (%zu bytes of data)", mp_mproto_reply_name(r->cmd),
		    pkt->len);
	return MP_OK;
}

const char *
mp_mproto_reply_name(char cmd)
{
	switch (cmd) {
	case MP_MR_ADDRCPT: return "addrcpt";
	case MP_MR_DELRCPT: return "delrcpt";
	case MP_MR_ADDRCPT_PAR: return "addrcpt_par";
	case MP_MR_SHUTDOWN: return "shutdown";
	case MP_MR_ACCEPT: return "accept";
	case MP_MR_REPLBODY: return "replbody";
	case MP_MR_CONTINUE: return "continue";
	case MP_MR_DISCARD: return "discard";
	case MP_MR_CHGFROM: return "chgfrom";
	case MP_MR_CONN_FAIL: return "conn_fail";
	case MP_MR_ADDHEADER: return "addheader";
	case MP_MR_INSHEADER: return "insheader";
	case MP_MR_CHGHEADER: return "chgheader";
	case MP_MR_PROGRESS: return "progress";
	case MP_MR_QUARANTINE: return "quarantine";
	case MP_MR_REJECT: return "reject";
	case MP_MR_SKIP: return "skip";
	case MP_MR_TEMPFAIL: return "tempfail";
	case MP_MR_REPLYCODE: return "replycode";
	default: return "unknown";
	}
}

static char *
dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Append a continuation line to the last header's value, joined by LF. */
static int
hdr_continue(struct mp_mproto_hdr *h, const char *line, size_t n)
{
	size_t vl = strlen(h->value);
	char *v = realloc(h->value, vl + 1 + n + 1);

	if (v == NULL)
		return MP_ENOMEM;
	v[vl] = '\n';
	memcpy(v + vl + 1, line, n);
	v[vl + 1 + n] = '\0';
	h->value = v;
	return MP_OK;
}

static int
hdr_add(struct mp_mproto_msg *msg, const char *line, size_t n, size_t lineno,
    struct mp_error *err)
{
	const char *colon = memchr(line, ':', n);
	struct mp_mproto_hdr *h;

	if (colon == NULL || colon == line || memchr(line, '\0', n) != NULL)
		return mp_error_set(err, MP_EINPUT, "line %zu: not a header "
		    "field (no name before a colon) and not a continuation", lineno);
	if (msg->nhdrs >= MP_MPROTO_MAX_HEADERS)
		return mp_error_set(err, MP_ELIMIT, "line %zu: more than %d "
		    "header fields (limit)", lineno, MP_MPROTO_MAX_HEADERS);
	if ((h = realloc(msg->hdrs, (msg->nhdrs + 1) * sizeof(*h))) == NULL)
		return MP_ENOMEM;
	msg->hdrs = h;
	h += msg->nhdrs;
	h->name = dup_n(line, (size_t)(colon - line));
	h->value = dup_n(colon + 1, n - (size_t)(colon + 1 - line));
	if (h->name == NULL || h->value == NULL) {
		free(h->name);
		free(h->value);
		return MP_ENOMEM;
	}
	msg->nhdrs++;
	return MP_OK;
}

/* The body from `p` on, every line end made CRLF. */
static int
body_load(struct mp_mproto_msg *msg, const char *p, const char *end)
{
	size_t lines = 0;
	const char *q;
	char *o;

	for (q = p; q < end; q++)
		lines += *q == '\n';
	if ((msg->body = malloc((size_t)(end - p) + lines + 3)) == NULL)
		return MP_ENOMEM;
	for (o = msg->body; p < end; p++) {
		if (*p == '\r' && p + 1 < end && p[1] == '\n')
			continue;	/* the CR is written with the LF */
		if (*p == '\n')
			*o++ = '\r';
		*o++ = *p;
	}
	if (o > msg->body && o[-1] != '\n') {	/* a last line without an end */
		*o++ = '\r';
		*o++ = '\n';
	}
	msg->body_len = (size_t)(o - msg->body);
	return MP_OK;
}

int
mp_mproto_msg_load(const char *data, size_t len, struct mp_mproto_msg *msg,
    struct mp_error *err)
{
	const char *p = data, *end = data + len, *nl;
	size_t n, lineno = 0;
	int rc = MP_OK;

	memset(msg, 0, sizeof(*msg));
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (nl != NULL ? (size_t)(nl - p) : (size_t)(end - p));
		lineno++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0) {	/* the empty line: the body follows */
			p = nl != NULL ? nl + 1 : end;
			break;
		}
		if ((*p == ' ' || *p == '\t') && msg->nhdrs > 0)
			rc = hdr_continue(&msg->hdrs[msg->nhdrs - 1], p, n);
		else
			rc = hdr_add(msg, p, n, lineno, err);
		if (rc != MP_OK)
			goto fail;
		p = nl != NULL ? nl + 1 : end;
	}
	if (msg->nhdrs == 0) {
		rc = mp_error_set(err, MP_EINPUT, "the message has no header fields");
		goto fail;
	}
	if ((rc = body_load(msg, p, end)) != MP_OK)
		goto fail;
	return MP_OK;
fail:
	if (rc == MP_ENOMEM)
		mp_error_set(err, rc, "out of memory loading the message");
	mp_mproto_msg_free(msg);
	return rc;
}

void
mp_mproto_msg_free(struct mp_mproto_msg *msg)
{
	size_t i;

	for (i = 0; i < msg->nhdrs; i++) {
		free(msg->hdrs[i].name);
		free(msg->hdrs[i].value);
	}
	free(msg->hdrs);
	free(msg->body);
	memset(msg, 0, sizeof(*msg));
}

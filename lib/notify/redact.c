/*
 * redact - see redact.h
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "redact.h"

/* Longer keys first, so "password" is not taken for "pass" + "word". */
static const char *const keys[] = {
	"passphrase", "password", "passwd", "pass", "pwd", "pw",
	"wachtwoord", "secret", "token", "apikey", "api_key", "api-key",
	NULL
};

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Where an unquoted value ends. */
static int
is_stop(int c)
{
	return is_space(c) || c == '\0' || strchr("&;,\"'}])<>", c) != NULL;
}

static size_t
skip_blanks(const char *s, size_t len, size_t j)
{
	while (j < len && (s[j] == ' ' || s[j] == '\t'))
		j++;
	return j;
}

/* The value of one key "=" or ":" value at s+j (after the key). */
static int
kv_value(const char *s, size_t len, size_t j, size_t *vs, size_t *ve)
{
	char q = 0;

	if (j < len && (s[j] == '"' || s[j] == '\''))
		j++;			/* the end of a quoted key */
	j = skip_blanks(s, len, j);
	if (j >= len || (s[j] != '=' && s[j] != ':'))
		return 0;
	j = skip_blanks(s, len, j + 1);
	if (j < len && (s[j] == '"' || s[j] == '\''))
		q = s[j++];
	*vs = j;
	while (j < len && (q ? s[j] != q && s[j] != '\n' : !is_stop(s[j])))
		j += (q && s[j] == '\\' && j + 1 < len) ? 2 : 1;
	*ve = j;
	return j > *vs;
}

static int
kv_at(const char *s, size_t len, size_t i, size_t *vs, size_t *ve)
{
	size_t k, kl;

	if (i > 0 && isalnum((unsigned char)s[i - 1]))
		return 0;
	for (k = 0; keys[k] != NULL; k++) {
		kl = strlen(keys[k]);
		if (len - i < kl || strncasecmp(s + i, keys[k], kl) != 0)
			continue;
		if (i + kl < len && (isalnum((unsigned char)s[i + kl]) ||
		    s[i + kl] == '_'))
			continue;
		if (kv_value(s, len, i + kl, vs, ve))
			return 1;
	}
	return 0;
}

/* scheme://user:PASS@host: the range of PASS, if any. */
static size_t
url_at(const char *s, size_t len, size_t i, size_t *vs, size_t *ve)
{
	size_t a = i + 3, e = a, at = 0, colon = 0, j;

	while (e < len && !is_space(s[e]) && strchr("/?#\"'<>", s[e]) == NULL)
		e++;
	for (j = a; j < e; j++)
		if (s[j] == '@')
			at = j;
	for (j = a; at && j < at && !colon; j++)
		if (s[j] == ':')
			colon = j;
	*vs = *ve = 0;
	if (at && colon && colon + 1 < at) {
		*vs = colon + 1;
		*ve = at;
	}
	return e;
}

static int
is_local(int c)
{
	return isalnum(c) || (c != '\0' && strchr("._%+-", c) != NULL);
}

/* user@example.nl:SECRET (strict: also ; , | tab): the range of SECRET. */
static int
email_at(const char *s, size_t len, size_t i, int strict, size_t *vs,
    size_t *ve)
{
	size_t j = i + 1;
	int dot = 0;
	char sep;

	if (i == 0 || !is_local((unsigned char)s[i - 1]))
		return 0;
	for (; j < len && (isalnum((unsigned char)s[j]) || s[j] == '.' ||
	    s[j] == '-'); j++)
		dot |= (s[j] == '.');
	if (!dot || j + 1 >= len)
		return 0;
	sep = s[j];
	if (sep != ':' && (!strict || strchr(";,|\t", sep) == NULL))
		return 0;
	*vs = ++j;
	while (j < len && s[j] != sep && s[j] != '\r' && s[j] != '\n' &&
	    (sep == '\t' || (s[j] != ' ' && s[j] != '\t')))
		j++;
	*ve = j;
	return j > *vs && !is_space(s[*vs]);
}

int
mp_redact(const char *s, size_t len, int strict, struct mp_buf *out,
    int *changed)
{
	size_t i = 0, from = 0, vs, ve, e = 0;
	int rc, hit;

	while (i < len) {
		hit = 0;
		if (len - i >= 3 && memcmp(s + i, "://", 3) == 0) {
			e = url_at(s, len, i, &vs, &ve);
			hit = ve > vs;
			if (!hit) {
				i = e;
				continue;
			}
		} else if (kv_at(s, len, i, &vs, &ve))
			hit = 1;
		else if (s[i] == '@' && email_at(s, len, i, strict, &vs, &ve))
			hit = 1;
		if (!hit) {
			i++;
			continue;
		}
		if ((rc = mp_buf_append(out, s + from, vs - from)) != MP_OK ||
		    (rc = mp_buf_puts(out, MP_REDACTED)) != MP_OK)
			return rc;
		*changed = 1;
		from = ve;
		/* Past a URL's whole authority: "@host:port" is no secret. */
		i = (len - i >= 3 && memcmp(s + i, "://", 3) == 0) ? e : ve;
	}
	return mp_buf_append(out, s + from, len - from);
}

int
mp_redact_key(const char *name)
{
	size_t k, kl, i, n = strlen(name);

	for (k = 0; keys[k] != NULL; k++) {
		kl = strlen(keys[k]);
		for (i = 0; i + kl <= n; i++) {
			if (strncasecmp(name + i, keys[k], kl) != 0)
				continue;
			if (kl >= 5 || ((i == 0 || !isalpha((unsigned char)
			    name[i - 1])) && !isalpha((unsigned char)name[i + kl])))
				return 1;
		}
	}
	return 0;
}

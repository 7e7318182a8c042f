/*
 * NAME
 *	idmap - IdentityMap: which SASL user may use which From addresses
 * SYNOPSIS
 *	#include "idmap.h"
 * DESCRIPTION
 *	IdentityMap file: one SASL user a line, then the addresses
 *	("abuse@meldpunt.nl") and whole domains ("@meldpunt.nl", that domain
 *	only, not its subdomains) it may use, separated by commas or white
 *	space; '#' starts a comment. See meldpunt-identity(5). Domains are
 *	checked with mp_domain_valid() (addr.h). Errors name FILE:LINE.
 * OWNERSHIP
 *	mp_identity_map_load()/_parse() return a map the caller frees with
 *	mp_identity_map_free(&m). Immutable after parsing: share it between
 *	threads.
 * LIMITS
 *	MP_IDMAP_MAX bytes, MP_IDMAP_LINE_MAX bytes a line,
 *	MP_IDMAP_MAX_USERS users, MP_IDMAP_MAX_VALUES values a user, user
 *	names MP_IDMAP_USER_MAX bytes.
 */
#ifndef MP_IDMAP_H
#define MP_IDMAP_H

#include <stddef.h>

#include "error.h"

#define MP_IDMAP_MAX		(4 * 1024 * 1024)
#define MP_IDMAP_LINE_MAX	4096
#define MP_IDMAP_MAX_USERS	100000
#define MP_IDMAP_MAX_VALUES	256
#define MP_IDMAP_USER_MAX	256

struct mp_identity_map;

struct mp_identity_map *mp_identity_map_load(const char *path, struct mp_error *err);
struct mp_identity_map *mp_identity_map_parse(const char *name, const char *text,
    size_t len, struct mp_error *err);
void mp_identity_map_free(struct mp_identity_map **mp);
size_t mp_identity_map_count(const struct mp_identity_map *m);

/* MP_FOUND when `user` may use normalized `addr`; MP_NOTFOUND otherwise. */
enum mp_lookup mp_identity_map_allows(const struct mp_identity_map *m,
    const char *user, const char *addr);
/* 1 when `user` is in the map (m may be NULL: no user is). */
int mp_identity_map_has_user(const struct mp_identity_map *m, const char *user);

#endif

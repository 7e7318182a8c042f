/*
 * NAME
 *	log - where the daemon's messages go: syslog, or stderr with -f
 * DESCRIPTION
 *	Set up once at start (before threads), then used from any thread.
 *	Library parsers never log; they return a struct mp_error and the
 *	caller decides what to say. Never log secrets (keys, passwords).
 */
#ifndef MP_LOG_H
#define MP_LOG_H

#include <syslog.h>

void mp_log_open(const char *ident, int facility, int use_syslog, int use_stderr);
/* Also append every line to this file (O_APPEND, created 0640); -1 and
 * errno when it cannot be opened. Once, at start, before threads. */
int mp_log_file(const char *path);
void mp_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mp_log_close(void);

#endif

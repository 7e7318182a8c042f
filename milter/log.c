/*
 * log - see log.h
 *
 * The destination is chosen once at start, before any thread exists, and
 * only read afterwards; that is the one piece of global state besides the
 * configuration snapshot, and it is not mutated while threads run.
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static struct {
	const char *ident;
	int use_syslog;
	int use_stderr;
	int fd;		/* LogFile, or -1 */
} dest = { "meldpunt", 0, 1, -1 };

void
mp_log_open(const char *ident, int facility, int use_syslog, int use_stderr)
{
	dest.ident = ident;
	dest.use_syslog = use_syslog;
	dest.use_stderr = use_stderr;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

int
mp_log_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
	    0640);

	if (fd < 0)
		return -1;
	if (dest.fd >= 0)
		close(dest.fd);
	dest.fd = fd;
	return 0;
}

static const char *
prio_name(int prio)
{
	switch (prio) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: return "fatal";
	case LOG_ERR:		return "error";
	case LOG_WARNING:	return "warning";
	case LOG_NOTICE:	return "notice";
	case LOG_INFO:		return "info";
	default:		return "debug";
	}
}

void
mp_log(int prio, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (dest.use_syslog)
		syslog(prio, "%s", msg);
	if (dest.use_stderr || dest.fd >= 0) {
		char ts[32], line[2200];
		struct tm tm;
		time_t now = time(NULL);
		int n;

		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
		n = snprintf(line, sizeof(line), "%s %s: %s: %s\n", ts, dest.ident,
		    prio_name(prio), msg);
		if (n < 0)
			return;
		if ((size_t)n >= sizeof(line)) {
			n = sizeof(line) - 1;
			line[n - 1] = '\n';
		}
		/* One write per line, so lines from threads do not interleave
		 * (O_APPEND: nor with another writer of the file). */
		if (dest.use_stderr)
			fprintf(stderr, "%s", line);
		if (dest.fd >= 0 && write(dest.fd, line, (size_t)n) < 0) {
			/* nowhere left to say so */
		}
	}
}

void
mp_log_close(void)
{
	if (dest.use_syslog)
		closelog();
	if (dest.fd >= 0) {
		close(dest.fd);
		dest.fd = -1;
	}
}

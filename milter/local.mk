# meldpunt-milter: the libmilter callbacks, thin glue over lib/.
# log.c: where the daemon's messages go; lib/ never logs, it returns errors.
# sendthread.c: the thread that runs the sender (lib/daemon/sender.c).
sbin_PROGRAMS += milter/meldpunt-milter
milter_meldpunt_milter_SOURCES = milter/main.c milter/callbacks.c milter/milter.h \
	milter/apply.c milter/apply.h milter/tcpsock.c \
	milter/log.c milter/log.h milter/sendthread.c milter/sendthread.h
milter_meldpunt_milter_CFLAGS = $(AM_CFLAGS) $(MILTER_CFLAGS) $(GMIME_CFLAGS)
milter_meldpunt_milter_LDADD = $(DAEMON_LIBS) $(MILTER_LIBS)

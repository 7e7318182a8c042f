# libmpdaemon: what the milter runs on, over every other layer: the
# configuration (conf.c) and its snapshot, the envelope of one message, flow
# classification, the plan, the intake and end-of-message decisions, and the
# counters (stats.c).
noinst_LIBRARIES += lib/daemon/libmpdaemon.a
lib_daemon_libmpdaemon_a_SOURCES = \
	lib/daemon/conf.c lib/daemon/conf.h \
	lib/daemon/snapshot.c lib/daemon/snapshot.h \
	lib/daemon/envelope.c lib/daemon/envelope.h \
	lib/daemon/flow.c lib/daemon/flow.h \
	lib/daemon/plan.c lib/daemon/plan.h \
	lib/daemon/intake.c lib/daemon/intake.h \
	lib/daemon/eom.c lib/daemon/eom.h \
	lib/daemon/stats.c lib/daemon/stats.h
lib_daemon_libmpdaemon_a_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)

# What a program linking libmpdaemon needs after it.
DAEMON_LIBS = lib/daemon/libmpdaemon.a $(AUTH_LIBS) $(NOTIFY_LIBS) $(STATE_LIBS) \
	$(PTHREAD_LIBS)

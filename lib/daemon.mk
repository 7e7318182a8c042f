# libmpdaemon: what the milter runs on, over every other layer: the
# configuration (conf.c) and its snapshot, the envelope of one message, flow
# classification, the plan, the intake and end-of-message decisions, and the
# counters (stats.c).
noinst_LIBRARIES += lib/libmpdaemon.a
lib_libmpdaemon_a_SOURCES = \
	lib/conf.c lib/conf.h \
	lib/snapshot.c lib/snapshot.h \
	lib/envelope.c lib/envelope.h \
	lib/flow.c lib/flow.h \
	lib/plan.c lib/plan.h \
	lib/intake.c lib/intake.h \
	lib/eom.c lib/eom.h \
	lib/stats.c lib/stats.h
lib_libmpdaemon_a_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)

# What a program linking libmpdaemon needs after it.
DAEMON_LIBS = lib/libmpdaemon.a $(AUTH_LIBS) $(NOTIFY_LIBS) $(STATE_LIBS) \
	$(PTHREAD_LIBS)

# libmpcore: errors, buffers, addresses, configuration, logging, snapshots,
# flow classification. Everything else links it.
noinst_LIBRARIES += lib/libmpcore.a
lib_libmpcore_a_SOURCES = \
	lib/error.c lib/error.h \
	lib/buf.c lib/buf.h \
	lib/addr.c lib/addr.h \
	lib/readfile.c lib/readfile.h \
	lib/conf.c lib/conf.h \
	lib/log.c lib/log.h \
	lib/flow.c lib/flow.h \
	lib/envelope.c lib/envelope.h \
	lib/plan.c lib/plan.h \
	lib/stats.c lib/stats.h

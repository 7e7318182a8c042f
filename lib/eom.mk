# libmpdaemon: what the milter runs on, over every other module: the
# configuration snapshot and the end-of-message decision.
noinst_LIBRARIES += lib/libmpdaemon.a
lib_libmpdaemon_a_SOURCES = lib/snapshot.c lib/snapshot.h lib/eom.c lib/eom.h \
	lib/statedb.c lib/statedb.h lib/intake.c lib/intake.h
lib_libmpdaemon_a_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)

# What a program linking the daemon library needs after it.
DAEMON_LIBS = lib/libmpdaemon.a lib/libmpauth.a lib/libmpnotify.a \
	lib/libmpreport.a lib/libmproute.a lib/libmpsign.a lib/libmpcore.a \
	$(GMIME_LIBS) $(YAML_LIBS) $(JANSSON_LIBS) $(OPENDKIM_LIBS) \
	$(CRYPTO_LIBS) $(SPF2_LIBS) $(GDBM_LIBS) $(PTHREAD_LIBS)

# Routing database (GDBM): see issue "Routing database", route.h and
# route_build.h. libmproute: the reader (route.c), the compiler and its
# importers (own format, RPSL, security.txt).
noinst_LIBRARIES += lib/libmproute.a
lib_libmproute_a_SOURCES = \
	lib/route.c lib/route.h \
	lib/route_fmt.c lib/route_fmt.h \
	lib/route_rpsl.c lib/route_rpsl.h \
	lib/route_sectxt.c lib/route_sectxt.h \
	lib/route_build.c lib/route_build.h

# What a program linking libmproute needs after it.
ROUTE_LIBS = lib/libmproute.a $(MAIL_LIBS) $(GDBM_LIBS) $(PTHREAD_LIBS)

# Routing database (GDBM): see issue "Routing database", route.h and
# route_build.h. libmproute: the reader (route.c), the compiler and its
# importers (own format, RPSL, security.txt).
noinst_LIBRARIES += lib/route/libmproute.a
lib_route_libmproute_a_SOURCES = \
	lib/route/route.c lib/route/route.h \
	lib/route/route_fmt.c lib/route/route_fmt.h \
	lib/route/route_rpsl.c lib/route/route_rpsl.h \
	lib/route/route_sectxt.c lib/route/route_sectxt.h \
	lib/route/route_build.c lib/route/route_build.h

# What a program linking libmproute needs after it.
ROUTE_LIBS = lib/route/libmproute.a $(MAIL_LIBS) $(GDBM_LIBS) $(PTHREAD_LIBS)

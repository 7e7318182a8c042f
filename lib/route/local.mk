# Routing database (GDBM): see route.h (lookup order, tri-state answers),
# lang.h (the one language type, used by notify too) and route_build.h
# (sources, compiling). libmproute: the reader (route.c), the compiler: its
# model (route_build.c, private header route_build_int.h), own source
# format (route_src.c), importers (route_import.c: RPSL, security.txt),
# resolver (route_resolve.c) and GDBM writer (route_write.c).
#
# Layer: route, over mail (addresses, prefixes) and core.
noinst_LIBRARIES += lib/route/libmproute.a
lib_route_libmproute_a_SOURCES = \
	lib/route/lang.c lib/route/lang.h \
	lib/route/route.c lib/route/route.h \
	lib/route/route_fmt.c lib/route/route_fmt.h \
	lib/route/route_rpsl.c lib/route/route_rpsl.h \
	lib/route/route_sectxt.c lib/route/route_sectxt.h \
	lib/route/route_build.c lib/route/route_build.h \
	lib/route/route_build_int.h \
	lib/route/route_src.c lib/route/route_import.c \
	lib/route/route_resolve.c lib/route/route_write.c
lib_route_libmproute_a_CPPFLAGS = $(ROUTE_CPPFLAGS) $(MP_DEFS)

# Code over libmproute: its include path (this folder and the ones below
# it that it uses) and what a program linking it needs after it.
ROUTE_CPPFLAGS = -I$(top_srcdir)/lib/route -I$(top_srcdir)/lib/mail \
	-I$(top_srcdir)/lib/core
ROUTE_LIBS = lib/route/libmproute.a $(MAIL_LIBS) $(GDBM_LIBS) $(PTHREAD_LIBS)

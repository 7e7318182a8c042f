# Returned mail: bounces (RFC 3464 and the common MTA texts), auto-replies
# (RFC 3834) and the VERP tag of a return path; see lib/mail/bounce.h and
# docs/bounce.md. Pure and bounded, over message.c (libmpreport); the
# milter wiring (flows bounce and reply) comes on top of it. The module
# lives in lib/mail/, where the layout refactor puts such code.
noinst_LIBRARIES += lib/libmpbounce.a
lib_libmpbounce_a_SOURCES = lib/mail/bounce.c lib/mail/bounce.h
lib_libmpbounce_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/lib/mail
lib_libmpbounce_a_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)
# What a program linking libmpbounce needs after it.
MPBOUNCE_LIBS = lib/libmpbounce.a $(MPREPORT_LIBS)

# libmpmail: mail syntax over core. Addresses, IPs and prefixes (addr),
# the From parser (from, glib for iconv),
# header/body splitting (msgsplit), the MIME message under limits
# (message, GMime), encodings (encode).
#
# Layer: mail, over core.
noinst_LIBRARIES += lib/mail/libmpmail.a
lib_mail_libmpmail_a_SOURCES = \
	lib/mail/addr.c lib/mail/addr.h \
	lib/mail/from.c lib/mail/from.h \
	lib/mail/msgsplit.c lib/mail/msgsplit.h \
	lib/mail/message.c lib/mail/message.h \
	lib/mail/encode.c lib/mail/encode.h
lib_mail_libmpmail_a_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)
lib_mail_libmpmail_a_CPPFLAGS = $(MAIL_CPPFLAGS) $(MP_DEFS)

# Code over libmpmail: its include path (this folder and the ones below
# it that it uses) and what a program linking it needs after it.
MAIL_CPPFLAGS = -I$(top_srcdir)/lib/mail -I$(top_srcdir)/lib/core
MAIL_LIBS = lib/mail/libmpmail.a $(CORE_LIBS) $(GMIME_LIBS)

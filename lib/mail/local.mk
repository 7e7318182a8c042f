# libmpmail: mail syntax over core. Addresses, IPs and prefixes (addr),
# header/body splitting (msgsplit), the MIME message under limits
# (message, GMime), encodings (encode).
noinst_LIBRARIES += lib/mail/libmpmail.a
lib_mail_libmpmail_a_SOURCES = \
	lib/mail/addr.c lib/mail/addr.h \
	lib/mail/msgsplit.c lib/mail/msgsplit.h \
	lib/mail/message.c lib/mail/message.h \
	lib/mail/encode.c lib/mail/encode.h
lib_mail_libmpmail_a_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)

# What a program linking libmpmail needs after it.
MAIL_LIBS = lib/mail/libmpmail.a $(CORE_LIBS) $(GMIME_LIBS)

# Report parsing (ARF, X-ARF, XARF) and returned mail (bounce: RFC 3464
# delivery-status reports, the common MTA texts, RFC 3834 auto-replies;
# docs/bounce.md), list reports (feeds: Shadowserver CSV, generic CSV
# lists; docs/feeds.md). libmpreport: the parsers over mail's MIME message
# (message.c). GMime, libyaml, jansson, libzip, libcsv; no libmilter.
#
# Layer: report, over mail (message.c, the MIME message; addr) and core.
noinst_LIBRARIES += lib/report/libmpreport.a
lib_report_libmpreport_a_SOURCES = \
	lib/report/report.c lib/report/report.h lib/report/report_int.h \
	lib/report/report_util.c lib/report/report_parse.c \
	lib/report/report_arf.c lib/report/report_xarf.c lib/report/report_json.c \
	lib/report/bounce.c lib/report/bounce.h \
	lib/report/feed.c lib/report/feed.h lib/report/feed_int.h \
	lib/report/feed_csv.c lib/report/feed_zip.c \
	lib/report/feed_shadowserver.c lib/report/feed_list.c \
	lib/report/feed_msg.c
lib_report_libmpreport_a_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS) $(YAML_CFLAGS) \
	$(JANSSON_CFLAGS) $(LIBZIP_CFLAGS) $(LIBCSV_CFLAGS)
lib_report_libmpreport_a_CPPFLAGS = $(REPORT_CPPFLAGS) $(MP_DEFS)

# Code over libmpreport: its include path (this folder and the ones below
# it that it uses) and what a program linking it needs after it.
REPORT_CPPFLAGS = -I$(top_srcdir)/lib/report -I$(top_srcdir)/lib/mail \
	-I$(top_srcdir)/lib/core
REPORT_LIBS = lib/report/libmpreport.a $(MAIL_LIBS) $(YAML_LIBS) $(JANSSON_LIBS) \
	$(LIBZIP_LIBS) $(LIBCSV_LIBS)

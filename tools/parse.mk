# meldpunt-parse: show what the report parsers make of a message.
bin_PROGRAMS += tools/meldpunt-parse
tools_meldpunt_parse_SOURCES = tools/meldpunt-parse.c
tools_meldpunt_parse_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS) $(JANSSON_CFLAGS)
tools_meldpunt_parse_LDADD = $(REPORT_LIBS)
dist_man_MANS += man/meldpunt-parse.1

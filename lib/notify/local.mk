# libmpnotify: notifications. Templates (template.c), the value policy
# (notify_value.c), rendering (notify.c), the MIME message (notify_mime.c),
# list notifications (notify_list.c, their CSV/zip attachments
# notify_csv.c; all of these share notify_int.h), redaction (redact.c),
# over the report and the route. libzip for the zipped CSV. The
# dedup/rate state is libmpstate's.
#
# Layer: notify, over report and route (notify.h carries both; only types
# from route); beside auth, which it does not use. The dedup/rate records
# (seen.c) that used to be in this library are in lib/state.
noinst_LIBRARIES += lib/notify/libmpnotify.a
lib_notify_libmpnotify_a_SOURCES = \
	lib/notify/redact.c lib/notify/redact.h \
	lib/notify/template.c lib/notify/template.h \
	lib/notify/notify.c lib/notify/notify.h \
	lib/notify/notify_int.h \
	lib/notify/notify_value.c lib/notify/notify_mime.c \
	lib/notify/notify_list.c lib/notify/notify_list.h \
	lib/notify/notify_csv.c
lib_notify_libmpnotify_a_CFLAGS = $(AM_CFLAGS) $(LIBZIP_CFLAGS)
lib_notify_libmpnotify_a_CPPFLAGS = $(NOTIFY_CPPFLAGS) $(MP_DEFS)

# Code over libmpnotify: its include path (this folder and the ones below
# it that it uses) and what a program linking it needs after it.
NOTIFY_CPPFLAGS = -I$(top_srcdir)/lib/notify -I$(top_srcdir)/lib/route \
	-I$(top_srcdir)/lib/report -I$(top_srcdir)/lib/mail \
	-I$(top_srcdir)/lib/core
NOTIFY_LIBS = lib/notify/libmpnotify.a $(REPORT_LIBS) $(ROUTE_LIBS)

# Templates, installed to $(pkgdatadir)/templates/{nl,en}: the default
# TemplateDirectory. Every report type needs a file in each language, and
# its list variant in {nl,en}/list (42 files in all).
nltemplatesdir = $(pkgdatadir)/templates/nl
dist_nltemplates_DATA = \
	templates/nl/other.tmpl \
	templates/nl/malware.tmpl \
	templates/nl/vulnerable-service.tmpl \
	templates/nl/open-service.tmpl \
	templates/nl/login-attack.tmpl \
	templates/nl/spam.tmpl \
	templates/nl/phishing.tmpl \
	templates/nl/leaked-credentials.tmpl \
	templates/nl/compromised-website.tmpl \
	templates/nl/ddos.tmpl \
	templates/nl/footer.tmpl
entemplatesdir = $(pkgdatadir)/templates/en
dist_entemplates_DATA = \
	templates/en/other.tmpl \
	templates/en/malware.tmpl \
	templates/en/vulnerable-service.tmpl \
	templates/en/open-service.tmpl \
	templates/en/login-attack.tmpl \
	templates/en/spam.tmpl \
	templates/en/phishing.tmpl \
	templates/en/leaked-credentials.tmpl \
	templates/en/compromised-website.tmpl \
	templates/en/ddos.tmpl \
	templates/en/footer.tmpl
nllisttemplatesdir = $(pkgdatadir)/templates/nl/list
dist_nllisttemplates_DATA = \
	templates/nl/list/other.tmpl \
	templates/nl/list/malware.tmpl \
	templates/nl/list/vulnerable-service.tmpl \
	templates/nl/list/open-service.tmpl \
	templates/nl/list/login-attack.tmpl \
	templates/nl/list/spam.tmpl \
	templates/nl/list/phishing.tmpl \
	templates/nl/list/leaked-credentials.tmpl \
	templates/nl/list/compromised-website.tmpl \
	templates/nl/list/ddos.tmpl
enlisttemplatesdir = $(pkgdatadir)/templates/en/list
dist_enlisttemplates_DATA = \
	templates/en/list/other.tmpl \
	templates/en/list/malware.tmpl \
	templates/en/list/vulnerable-service.tmpl \
	templates/en/list/open-service.tmpl \
	templates/en/list/login-attack.tmpl \
	templates/en/list/spam.tmpl \
	templates/en/list/phishing.tmpl \
	templates/en/list/leaked-credentials.tmpl \
	templates/en/list/compromised-website.tmpl \
	templates/en/list/ddos.tmpl

dist_man_MANS += man/meldpunt-templates.5

# The template parser under libFuzzer (scripts/fuzz.sh runs it).
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-template
tests_fuzz_fuzz_template_SOURCES = tests/fuzz/fuzz-template.c
tests_fuzz_fuzz_template_LDADD = $(NOTIFY_LIBS)
tests_fuzz_fuzz_template_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
# Rendering from hostile values: always 7-bit, never an extra header.
noinst_PROGRAMS += tests/fuzz/fuzz-notify
tests_fuzz_fuzz_notify_SOURCES = tests/fuzz/fuzz-notify.c
tests_fuzz_fuzz_notify_CPPFLAGS = $(AM_CPPFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_fuzz_fuzz_notify_LDADD = $(NOTIFY_LIBS)
tests_fuzz_fuzz_notify_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/fuzz-template.c tests/fuzz/template.seeds \
	tests/fuzz/fuzz-notify.c tests/fuzz/notify.seeds tests/fuzz/seeds/notify

# etc/: the systemd unit and the example files, installed with the
# configured paths. configure's --prefix/--sysconfdir decide every path:
# the sources in etc/ name the paths of the documented build
# (--prefix=/usr --sysconfdir=/etc --localstatedir=/var) and are
# rewritten here with the configured ones, the way the unit always was.
# /run/meldpunt and /var/lib/meldpunt stay: they are systemd's
# RuntimeDirectory and StateDirectory, whatever the prefix.
#
# systemd also reads units from /usr/local/lib/systemd/system, so
# $(prefix)/lib/systemd/system serves both --prefix=/usr and the default;
# `make install systemdsystemunitdir=DIR` puts it elsewhere.
# The example configuration, identity map, routing source and the Postfix
# snippets go to $(pkgdatadir)/examples (docs/OPERATIONS.md copies them
# from there); nothing is installed into $(sysconfdir), so `make install`
# never overwrites a configuration. The generated files are made outside
# etc/ so an in-tree build does not put them into the tarball.
systemdsystemunitdir = $(prefix)/lib/systemd/system
systemdsystemunit_DATA = meldpunt-milter.service
examplesdir = $(pkgdatadir)/examples
examples_DATA = meldpunt.conf
dist_examples_DATA = etc/identity.map etc/routes.conf
examplespostfixdir = $(examplesdir)/postfix
dist_examplespostfix_DATA = etc/postfix/main.cf.snippet etc/postfix/master.cf.snippet \
	etc/postfix/meldpunt_header_checks
CLEANFILES += meldpunt-milter.service meldpunt.conf

MP_PATHS_SED = $(SED) \
	-e 's|/usr/sbin/meldpunt-|$(sbindir)/meldpunt-|g' \
	-e 's|/usr/bin/meldpunt-|$(bindir)/meldpunt-|g' \
	-e 's|/usr/share/meldpunt/|$(pkgdatadir)/|g' \
	-e 's|/etc/meldpunt/|$(sysconfdir)/meldpunt/|g'

meldpunt-milter.service: $(srcdir)/etc/meldpunt-milter.service Makefile
	$(AM_V_GEN)$(MP_PATHS_SED) $(srcdir)/etc/meldpunt-milter.service >$@.tmp && mv $@.tmp $@

meldpunt.conf: $(srcdir)/etc/meldpunt.conf Makefile
	$(AM_V_GEN)$(MP_PATHS_SED) $(srcdir)/etc/meldpunt.conf >$@.tmp && mv $@.tmp $@

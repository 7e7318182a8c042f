# etc/: the systemd unit, installed with the configured paths.
# systemd also reads units from /usr/local/lib/systemd/system, so
# $(prefix)/lib/systemd/system serves both --prefix=/usr and the default;
# `make install systemdsystemunitdir=DIR` puts it elsewhere. The Postfix
# and Sendmail snippets and the example configuration are documentation:
# they are in the tarball (EXTRA_DIST has all of etc/) and not installed.
# The unit is generated outside etc/ so an in-tree build does not put the
# generated copy into the tarball.
systemdsystemunitdir = $(prefix)/lib/systemd/system
systemdsystemunit_DATA = meldpunt-milter.service
CLEANFILES += meldpunt-milter.service

meldpunt-milter.service: $(srcdir)/etc/meldpunt-milter.service Makefile
	$(AM_V_GEN)$(SED) -e 's|/usr/sbin/meldpunt-milter|$(sbindir)/meldpunt-milter|g' \
	    -e 's|/etc/meldpunt/|$(sysconfdir)/meldpunt/|g' \
	    $(srcdir)/etc/meldpunt-milter.service >$@.tmp && mv $@.tmp $@

# meldpunt-route: compile, query and dump the routing database.
bin_PROGRAMS += tools/meldpunt-route
tools_meldpunt_route_SOURCES = tools/meldpunt-route.c
tools_meldpunt_route_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tools_meldpunt_route_LDADD = $(ROUTE_LIBS) $(STATE_LIBS) $(JANSSON_LIBS)
dist_man_MANS += man/meldpunt-route.1 man/meldpunt-routes.5

dist_man_MANS += man/meldpunt.conf.5 man/meldpunt-milter.8

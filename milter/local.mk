# meldpunt-milter: the libmilter callbacks, thin glue over lib/.

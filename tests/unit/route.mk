# Unit tests of the routing database, and the meldpunt-route shell test.

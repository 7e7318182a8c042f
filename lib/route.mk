# Routing database (GDBM): see issue "Routing database".

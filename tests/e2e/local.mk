# End-to-end tests: a private Postfix on 127.0.0.1, smtp-sink, the milter.

"""The command line: `app.py` builds the app and registers one plain function per command, each in
the module named for it (`riskcli score` is `score.py`); `common.py` holds the shared options and
the one mapping from errors to messages and exit codes. Importing this package imports nothing."""

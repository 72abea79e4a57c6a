"""`riskcli assess`: registered on the app by importing this module (see riskcli.cli)."""

"""`riskcli report`: registered on the app by importing this module (see riskcli.cli)."""

"""The command line: click commands and their shared options (`genecator` and its
subcommands, which main.py, get_traits.py, validate_traits.py and utils/*.py wrap). Each
command turns options into a settings object, makes one call into the core and prints what it
returns; support.py is the one place where errors become text and exit codes. May import every
stage below it; nothing imports cli.
"""

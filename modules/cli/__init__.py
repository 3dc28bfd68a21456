"""The command line: click commands and their shared options (`genecator` and its
subcommands, which main.py, get_traits.py, validate_traits.py and utils/*.py wrap). Each
command turns options into a settings object, makes one call into the core and prints what it
returns; support.py is the one place where errors become text and exit codes. May import every
stage below it; nothing imports cli.
"""

# For the entry scripts (thin shims that import only from here): a start-up guard that is
# light to import, so it is in place before anything heavy loads.
from modules.run.stop_signals import exit_on_stop_signals

__all__ = ["exit_on_stop_signals"]

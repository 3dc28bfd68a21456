"""Genecator command line: generate a unique collection from traits/ and config.json.

A thin shim over `modules.cli.generate` (also `genecator generate`)."""

from modules.cli import exit_on_stop_signals

# All of generate's module runs inside this (its option definitions too, after its imports): a
# stop signal at any point of start-up ends with one line and exit 130, not a traceback.
with exit_on_stop_signals():
    from modules.cli.generate import generate_command

if __name__ == "__main__":
    generate_command()

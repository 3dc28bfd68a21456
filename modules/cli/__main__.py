"""`python -m modules.cli`: the `genecator` command, for the studio's job processes."""

from modules.cli.main import genecator

genecator()

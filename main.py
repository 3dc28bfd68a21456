"""Genecator command line: generate a unique collection from traits/ and config.json.

A thin shim over `modules.cli.generate` (also `genecator generate`)."""

from modules.cli.generate import generate_command

if __name__ == "__main__":
    generate_command()

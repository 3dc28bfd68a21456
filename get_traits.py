"""Scan traits/ and write config.json: layer order, image size and rarity weights.

A thin shim over `modules.cli.get_traits` (also `genecator get-traits`)."""

from modules.cli.get_traits import get_traits_command

if __name__ == "__main__":
    get_traits_command()

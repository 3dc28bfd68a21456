"""Rank tokens by OpenRarity information content (and the classic sum of 1/p).

A thin shim over `modules.cli.rarity` (also `genecator rarity`)."""

from modules.cli.rarity import rarity_command

if __name__ == "__main__":
    rarity_command()

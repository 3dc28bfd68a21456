"""Rebuild metadata/combined_metadata.json (id order) from a collection's {id}.json files.

A thin shim over `modules.cli.combine_metadata` (also `genecator combine-metadata`)."""

from modules.cli.combine_metadata import combine_metadata_command

if __name__ == "__main__":
    combine_metadata_command()

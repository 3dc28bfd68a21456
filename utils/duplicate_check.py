"""Find tokens with the same trait combination or the same image bytes; exit 1 if any.

A thin shim over `modules.cli.duplicates` (also `genecator duplicates`)."""

from modules.cli.duplicates import duplicates_command

if __name__ == "__main__":
    duplicates_command()

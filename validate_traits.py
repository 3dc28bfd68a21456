"""Check config.json, ruler.json and every trait file without generating anything.

A thin shim over `modules.cli.validate` (also `genecator validate`)."""

from modules.cli.validate import validate_command

if __name__ == "__main__":
    validate_command()

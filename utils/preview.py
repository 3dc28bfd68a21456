"""Write preview.png (a contact sheet of some tokens) and report.html (stats, configured vs

A thin shim over `modules.cli.preview` (also `genecator preview`)."""

from modules.cli.preview import preview_command

if __name__ == "__main__":
    preview_command()

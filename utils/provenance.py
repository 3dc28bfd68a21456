"""Write provenance.json: each image's SHA-256 in token order and the combined hash.

A thin shim over `modules.cli.provenance` (also `genecator provenance`)."""

from modules.cli.provenance import provenance_command

if __name__ == "__main__":
    provenance_command()

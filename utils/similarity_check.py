"""Report pairs of tokens that share at least K trait values (absent layers count as None).

A thin shim over `modules.cli.similarity` (also `genecator similarity`)."""

from modules.cli.similarity import similarity_command

if __name__ == "__main__":
    similarity_command()

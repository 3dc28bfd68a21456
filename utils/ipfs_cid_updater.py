"""Point every token's image and animation_url at ipfs://CID/{file}, then rebuild

A thin shim over `modules.cli.update_cid` (also `genecator update-cid`)."""

from modules.cli.update_cid import update_cid_command

if __name__ == "__main__":
    update_cid_command()

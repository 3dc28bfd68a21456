"""Chain exporters: each turns a token's OpenSea document into one chain's metadata document
(pure functions), and `chain_files` writes them into the chain's own folder."""

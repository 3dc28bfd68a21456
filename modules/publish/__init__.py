"""Publish stage: everything written into the output folder besides images: token metadata and
the collection files (MetadataManager), the output-folder checks, checkpoints and the hash
ledger, resume verification, provenance and the run log. May import the leaves, load, plan and
render.
"""

"""Load stage: reads config.json, ruler.json and the trait files into a frozen, validated
CollectionSpec, and scans a traits folder into a config (get_traits). Owns the JSON schemas,
rule resolution and the trait-image reader (trait_images, the only module here that imports
PIL). May import only the top-level leaves (errors, constants, atomic_io, digests, settings).
"""

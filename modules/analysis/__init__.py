"""Analysis stage: reads a finished collection through one reader and reports on it: rarity,
similarity, duplicates, provenance recomputed from the files, the combined metadata, CID
updates, the contact sheet and the HTML report. May import the leaves, load, plan, render and
publish.
"""

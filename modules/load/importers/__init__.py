"""Importers of other engines' projects: project.import_project turns a HashLips Art Engine or
nftchef art-engine project (layers/ and src/config.js, read by modules.load.js) into a Genecator
config document and ruler.json rules without running any JavaScript; layers, collection_keys
and rules translate its settings one by one, state holds what they share. May import the
top-level leaves and the other load modules.
"""

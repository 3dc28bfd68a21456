"""Render stage: one token's traits in, encoded image bytes out. Owns the decoded-layer cache
(ImageProcessor), compositing, the still and animated encoders, animation timing and the
process pool that fans tokens out to workers. May import the leaves, load and plan.
"""

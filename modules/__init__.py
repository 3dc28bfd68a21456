"""Genecator core: load a trait spec, plan unique tokens, render and publish them."""

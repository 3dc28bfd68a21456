"""Serve stage: the studio (`genecator serve`), a local web app and job API. Its jobs run the
`genecator generate` command itself, so it never has a generator of its own; the read side
uses analysis/. May import every stage below it (run/ and those under it), never cli/.
"""

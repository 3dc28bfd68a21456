"""The config.js reader: a safe reader for the `src/config.js` files HashLips and nftchef ship,
which tokenizes (tokens) and parses (cursor, literals, expressions, patterns, parser) the subset
of JavaScript they are written in, works out literals and constants (values) and never runs any
code; reader.read_js_config is the entry point, and what only running code could give becomes
a values.Unsupported. May import only modules.errors and the standard library.
"""

"""Run stage: one generation from settings to report. `nft_generator.plan(settings)` and
`nft_generator.generate(settings, on_progress)` are the calls the CLI, the studio and a cluster
backend use; planning against the checkpoint, the renderer loop, stop signals, the preflight
check and the Report live here. May import every stage below it and the dependency container.
"""

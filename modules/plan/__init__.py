"""Plan stage: the selection model, weighted draws, the planner, capacity counting and the
trait tracker. Pure and deterministic: no files, no PIL, one explicit random.Random. May import
the leaves and load (for the spec types); never render, publish, run or anything above.
"""

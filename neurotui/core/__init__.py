"""The maths of neurotui: PyTorch and the standard library only.

Nothing under this package may import textual, rich or plotext, so the headless
commands, the benchmarks and the tests of the maths never start a UI.
"""

"""The lesson's artefacts: a run as a script, the bugs to inject, the presets (experiments
with their questions) and the evidence card."""

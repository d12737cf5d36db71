import os

# Textual reads these at import: a fixed, colour-capable terminal for every test.
os.environ.setdefault("TERM", "xterm-256color")
os.environ.pop("NO_COLOR", None)

import os

# Textual reads these at import: a fixed, colour-capable terminal for every test.
os.environ.setdefault("TERM", "xterm-256color")
os.environ.pop("NO_COLOR", None)
# A developer's own ~/.config/neurotui/config.toml must not change how the app starts in tests.
os.environ["XDG_CONFIG_HOME"] = os.path.join(os.path.dirname(__file__), "data", "no-config")

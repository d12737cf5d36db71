import os
import tempfile

# Textual reads these at import: a fixed, colour-capable terminal for every test.
os.environ.setdefault("TERM", "xterm-256color")
os.environ.pop("NO_COLOR", None)
# A developer's own ~/.config/neurotui/config.toml must not change how the app starts in tests.
# (A fresh empty folder: chromium, in the browser test, writes its own settings there.)
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="neurotui-tests-xdg-")
# Nor may a test touch the developer's guided-lesson progress (neurotui learn).
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="neurotui-tests-state-")

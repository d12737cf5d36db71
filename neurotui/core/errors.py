class ConfigError(ValueError):
    """A user-supplied value is unusable. The message is one line, shown as-is."""

"""The run as the user steers it, with no UI: may import core, never textual/rich/plotext.

- state:   Session, what the user has asked for (configs A and B, compare mode, speed,
           the layer looked inside) and the rules that turn a key into configs to train
- control: RunControl, what the UI thread asks of the running worker (thread-safe)
- loop:    train_loop, the worker's body: pacing, pausing, throttled snapshots
"""

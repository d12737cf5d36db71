"""`neurotui bench`: speed as ratios measured in one run, never as wall-clock promises.

Wall-clock figures on a shared machine are noisy; running both sides in turn, in the
same process, several rounds, and reporting the median keeps a ratio meaningful even
when absolute numbers are not. Only the command line imports this package.

- trainer:   the core trainer against the lesson's own loop
- sweep:     batched sweeps against the lesson loop; initial weights; sweep memory
- ui:        (drawing.py) the worker's share of the clock (and steps/s) with the app drawing against not drawing, switched
             every ~2 s in one run; first frame
- bandwidth: bytes/s the real app writes to a pty
- pty:       the real app in a pseudo-terminal (also used by the terminal tests)
"""

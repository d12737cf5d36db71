"""The doctor: what went wrong in a run, in the words of the lesson's debugging checklist,
read from what the run showed, never from the bug's name."""

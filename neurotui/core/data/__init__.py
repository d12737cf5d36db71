"""The data a run trains on: the lesson's four XOR rows, generated 2-D sets, or a CSV file."""

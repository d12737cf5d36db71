"""Training: the trainer a worker drives, the optimizer step it runs, the losses it shares,
replay frames, and what training needs beyond the lesson's four rows (minibatches, validation)."""

"""Many seeds trained at once as one batched tensor program.

S independent XOR networks of one architecture are stacked along a leading seed axis
(W1: [S, 2, H], b1: [S, 1, H], ..., Wout: [S, H, 1], bout: [S, 1, 1]) and trained
together: one batched forward, one BCE, one backward(), one optimizer step per training
step. The loss is the sum over nets of each net's mean BCE, so every net's gradient is
exactly its own. Net i starts from exactly the weights build_model draws for seed
seed_start + i.

- config:  SweepConfig (an XorConfig plus the seed range) and the grid of configs
- seeds:   initial weights of many seeds at once (a vectorised replica of torch's MT19937)
- stacked: StackedNets, the batched program
- manual:  HandNets, the same program with its backward written out (the fast path)
- fitnets: FitNets, that program on any data (core.data), all seeds sharing the rows; L1/L2,
           train/validation accuracy; "solved" there is validation accuracy >= 0.95
- results: SweepResult and SweepProgress
- run:     run_sweep / run_grid (chunking, threads, the numbers)
"""

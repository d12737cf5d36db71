"""The model: activations, one neuron, the run's config and network, and what it shows of itself
(the boundary over the plane, the inside views, the network as one picture)."""

"""neurotui: learn how one neuron becomes a multilayer perceptron, in the terminal."""

__version__ = "0.1.0"

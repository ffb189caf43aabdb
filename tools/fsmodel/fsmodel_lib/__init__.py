"""fsmodel: M2U-Net tooling for fieldscope (build, evaluate, train, quantise, export)."""

# SPDX-License-Identifier: BSD-3-Clause
"""fsmodel: M2U-Net tooling for fieldscope (build, evaluate, train, quantise, export)."""

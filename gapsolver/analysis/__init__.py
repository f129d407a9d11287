"""Analyses of a plan: explanations, shortfall, chains, dependence, robustness, comparisons, differences."""

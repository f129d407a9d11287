"""Gap-closure strategies other than the lexicographic MILP (the baselines planners compare against)."""

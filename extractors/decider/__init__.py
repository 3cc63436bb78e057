"""The trained decider: candidates and features (rules propose), linear models (JSON weights),
training with scikit-learn, relation pairs."""

"""Pure fleet domain: models, rules and ports. Standard library only."""

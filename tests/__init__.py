"""The tests: a package, so that each module has one name (tests.<folder>.<module>)."""

"""Events: dated happenings extracted from articles, each backed by mentions."""

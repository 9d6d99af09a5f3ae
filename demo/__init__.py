"""releasekit's demo: the release story of the two example projects."""

"""Release Poetry projects from GitHub Actions."""

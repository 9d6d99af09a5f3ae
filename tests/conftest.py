pytest_plugins = ["tests.support.github_fixtures"]

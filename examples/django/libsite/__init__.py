"""libsite: a small lending-library site, the Django example project forkless tests against."""

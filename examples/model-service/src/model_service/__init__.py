"""A phishing-URL classifier served over HTTP."""

"""The web side of the app.

Launching, limits and CSP, visitors, snapshots and downloads, the page's CSS and JavaScript, and setup links.
"""

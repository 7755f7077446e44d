"""The web side of the app: launching, limits and CSP, visitors, snapshots and downloads, the page's CSS and JavaScript, and setup links."""

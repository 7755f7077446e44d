"""The page's tabs: each one's layout, its event wiring and the handlers behind them."""

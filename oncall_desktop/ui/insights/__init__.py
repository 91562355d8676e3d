"""The Insights tab: metrics and charts."""

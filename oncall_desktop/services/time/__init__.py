"""Work timers and the billing of finished work."""

"""The demo MSP: seed data, a past month, and a feed of new tickets."""

"""The beranda: the day's figures of a koperasi for its staff (read-only selectors and pages).

It sits at the top of the app order, so it may read every app's selectors; it writes nothing.
"""

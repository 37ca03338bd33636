"""Inbound mail (parsing, quote stripping, threading) and outbound rendering.

`parse` and `quotes` are pure, with no ORM import, so the receiver can run them at wire speed and their rules are
tested with tables of sample messages; the modules that store and thread mail call them.
"""

"""Stores: the store record and its look-up, bot settings, plugin tokens, Twilio accounts."""

"""Answering a customer: retrieval, the prompt, commerce tools, guardrails, hand-over rules and
wording. The responder answers through it; the console's "test the bot" and `balas ask` too."""

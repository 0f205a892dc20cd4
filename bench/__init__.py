"""`python -m bench`: Balas's throughput, latency and memory, measured on this machine.

One run starts its own embedded Kafka and MongoDB, loopback OpenAI and Twilio stand-ins and the
services as subprocesses, measures, prints a table and stops everything it started.
"""

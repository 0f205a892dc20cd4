"""What every Balas service needs: settings, events, Kafka and MongoDB wiring, logging, metrics.

`shared` never imports from `services`; see shared/README.md.
"""

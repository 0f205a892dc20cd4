"""FastStream's FastAPI router (ingest's and the console's producer) over `Broker`, so that
the router's broker, when it stops, closes its journal's MongoDB client as `make_broker`'s do."""

from faststream.kafka.fastapi import KafkaRouter as FastStreamKafkaRouter

from shared.kafka import Broker


class KafkaRouter(FastStreamKafkaRouter):
    broker_class = Broker

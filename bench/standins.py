"""The loopback OpenAI and Twilio stand-ins of tests/standins, started for a bench run."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.standins.openai_api import OpenAIStandIn
from tests.standins.twilio_api import TwilioStandIn

AUTH_TOKEN = "bench-twilio-auth-token"


@dataclass(frozen=True)
class StandIns:
    openai: OpenAIStandIn
    twilio: TwilioStandIn


@contextmanager
def running_standins() -> Iterator[StandIns]:
    openai = OpenAIStandIn().start()
    try:
        twilio = TwilioStandIn(auth_token=AUTH_TOKEN)
        twilio.start()
        try:
            yield StandIns(openai=openai, twilio=twilio)
        finally:
            twilio.stop()
    finally:
        openai.stop()

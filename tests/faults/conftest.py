"""Fixtures of the fault scenarios: the Twilio and OpenAI stand-ins the running system talks to."""

from tests.support.system_fixtures import openai_api, twilio_api

__all__ = ["openai_api", "twilio_api"]

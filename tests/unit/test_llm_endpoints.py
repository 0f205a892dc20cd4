"""Which chat and embeddings endpoints the settings describe: keyed, keyless, separate, off."""

import pytest
from pydantic import SecretStr

from shared.knowledge.embeddings import embedder_from
from shared.llm import NO_KEY, Endpoint, chat_endpoint, embeddings_endpoint
from shared.settings import Settings, environment_variables

OLLAMA = "http://127.0.0.1:11434/v1"
VLLM = "http://10.0.0.7:8000/v1"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read the process environment; start every test from none of it."""
    for name in environment_variables():
        monkeypatch.delenv(name, raising=False)


def empty() -> Settings:
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_nothing_configured_is_offline() -> None:
    settings = empty()

    assert not settings.llm.configured
    assert chat_endpoint(settings) is None
    assert embeddings_endpoint(settings) is None
    assert embedder_from(settings) is None


def test_a_key_alone_is_openais_api_for_chat_and_embeddings() -> None:
    settings = empty().updated(llm={"api_key": "sk-live"})

    assert chat_endpoint(settings) == Endpoint(
        base_url=None, api_key=SecretStr("sk-live"), model="gpt-4o-mini"
    )
    assert embeddings_endpoint(settings) == Endpoint(
        base_url=None, api_key=SecretStr("sk-live"), model="text-embedding-3-small"
    )


def test_a_base_url_without_a_key_switches_the_llm_on_and_embeddings_follow_it() -> None:
    settings = empty().updated(
        llm={"base_url": OLLAMA, "model": "qwen2.5:7b-instruct"},
        embeddings={"model": "nomic-embed-text"},
    )

    assert settings.llm.configured
    assert chat_endpoint(settings) == Endpoint(
        base_url=OLLAMA, api_key=NO_KEY, model="qwen2.5:7b-instruct"
    )
    assert embeddings_endpoint(settings) == Endpoint(
        base_url=OLLAMA, api_key=NO_KEY, model="nomic-embed-text"
    )


def test_embeddings_on_their_own_server_never_get_the_chat_key() -> None:
    settings = empty().updated(
        llm={"api_key": "sk-live"}, embeddings={"base_url": VLLM, "model": "bge-m3"}
    )

    assert embeddings_endpoint(settings) == Endpoint(base_url=VLLM, api_key=NO_KEY, model="bge-m3")
    with_key = settings.updated(embeddings={"api_key": "vllm-token"})
    assert embeddings_endpoint(with_key) == Endpoint(
        base_url=VLLM, api_key=SecretStr("vllm-token"), model="bge-m3"
    )


def test_embeddings_alone_need_no_chat_model() -> None:
    settings = empty().updated(embeddings={"base_url": OLLAMA})

    assert not settings.llm.configured
    assert chat_endpoint(settings) is None
    assert embeddings_endpoint(settings) is not None


def test_embeddings_switched_off_leave_the_chat_model_on() -> None:
    settings = empty().updated(
        llm={"api_key": "sk-live"}, embeddings={"enabled": False, "base_url": OLLAMA}
    )

    assert chat_endpoint(settings) is not None
    assert embeddings_endpoint(settings) is None
    assert embedder_from(settings) is None


def test_the_variables_describe_a_keyless_local_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", OLLAMA)
    monkeypatch.setenv("EMBEDDINGS_MODEL", "nomic-embed-text")

    endpoint = embeddings_endpoint(empty())

    assert endpoint == Endpoint(base_url=OLLAMA, api_key=NO_KEY, model="nomic-embed-text")

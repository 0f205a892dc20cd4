"""The answer-level evaluation (bench/answer_eval.py). On the sample store the responder's
Answerer, with the scripted model stand-in (loopback) and offline, cites only retrieved passages
and hands over when the knowledge has no answer (figures in docs/knowledge.md#answers); the
frozen set is answered offline message by message, each part checked against its source
(figures in docs/evaluation.md, no floors: nobody tunes on it)."""

from pathlib import Path

from bench.answer_eval import (
    EXTERNAL_MULTI_QUESTIONS,
    Message,
    Part,
    Reply,
    evaluate_answers,
    faithful_model,
    read_messages,
)
from bench.knowledge_eval import EXTERNAL, EXTERNAL_QUESTIONS
from shared.answering.draft import Draft
from shared.answering.model import ChatModel
from shared.events import Citation, HandOverReason
from shared.settings import LlmSettings, Settings
from tests.standins.openai_api import OpenAIStandIn


async def test_answers_cite_retrieved_passages_and_unanswerable_questions_hand_over() -> None:
    evaluation = await evaluate_answers()

    assert evaluation.documents == 6
    for figures in evaluation.engines:
        assert figures.answerable == 47
        assert figures.citations_outside_retrieved == 0  # P99 was cited and dropped
        assert figures.answered_with_citation >= 45
        assert figures.cites_source >= 42
        assert figures.unanswerable == 9
        assert figures.handed_over >= 6


def citation(filename: str) -> Citation:
    return Citation(kind="passage", ref=f"{filename}:1:0", document_id=filename, filename=filename)


def reply(parts: tuple[Part, ...], draft: Draft) -> Reply:
    message = Message(" ".join(p.text for p in parts), "id", "toko", parts, "casual")
    return Reply(message, draft, frozenset(), ())


COD = Part("bisa cod?", "ketentuan.md")
RESI = Part("resi dikirim lewat apa?", "pengiriman.md")
RESELLER = Part("ada program reseller?", None)


def test_every_part_is_covered_when_each_source_is_cited_and_nothing_is_handed_over() -> None:
    both = Draft(text="…", citations=[citation("ketentuan.md"), citation("pengiriman.md")])
    one = Draft(text="…", citations=[citation("ketentuan.md")])

    assert [reply((COD, RESI), both).covers(p) for p in (COD, RESI)] == [True, True]
    assert [reply((COD, RESI), one).covers(p) for p in (COD, RESI)] == [True, False]


def test_a_hand_over_counts_for_the_unanswerable_part_and_against_answerable_ones() -> None:
    handed_over = Draft(
        text="…",
        citations=[citation("ketentuan.md")],
        hand_over=HandOverReason.MISSING_KNOWLEDGE,
    )
    answered_all = Draft(text="…", citations=[citation("ketentuan.md")])

    assert [reply((COD, RESELLER), handed_over).covers(p) for p in (COD, RESELLER)] == [
        True,
        True,
    ]
    assert reply((COD, RESELLER), answered_all).covers(RESELLER) is False
    assert reply((COD, RESI), handed_over).covers(COD) is False


def test_the_multi_question_file_groups_parts_by_message_in_order(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text(
        "message_id,shop,style,language,message,part,source,passage\n"
        "m1,toko,numbered,id,1. bisa cod 2. resi,bisa cod,ketentuan.md,COD\n"
        "m1,toko,numbered,id,1. bisa cod 2. resi,resi,pengiriman.md,nomor resi\n"
        "m2,toko,casual,id,ada reseller?,ada reseller?,,\n",
        encoding="utf-8",
    )

    first, second = read_messages(path)

    assert [p.text for p in first.parts] == ["bisa cod", "resi"]
    assert first.parts[1] == Part("resi", "pengiriman.md", "nomor resi")
    assert second.parts == (Part("ada reseller?", None),)


async def test_the_frozen_set_is_answered_offline_message_by_message() -> None:
    evaluation = await evaluate_answers(
        EXTERNAL, EXTERNAL_QUESTIONS, EXTERNAL_MULTI_QUESTIONS, scripted=False
    )

    overall = {(f.questions, f.engine): f for f in evaluation.replies if f.group == "all"}
    assert set(overall) == {("single", "offline"), ("multi", "offline")}
    assert overall["single", "offline"].messages >= 120
    assert overall["multi", "offline"].messages >= 40
    by_style = [f for f in evaluation.replies if f.questions == "multi" and f.group != "all"]
    assert {f.group for f in by_style} == {"numbered", "typos", "english", "code-mixed", "casual"}
    assert sum(f.messages for f in by_style) == overall["multi", "offline"].messages
    assert sum(f.every_part_covered for f in by_style) == (
        overall["multi", "offline"].every_part_covered
    )


async def test_the_configured_endpoint_takes_the_scripted_models_place() -> None:
    local = OpenAIStandIn(script=faithful_model).start()  # a keyless server, as Ollama is
    try:
        settings = Settings(llm=LlmSettings(base_url=local.base_url, model="local-model"))
        evaluation = await evaluate_answers(model=ChatModel(settings))
    finally:
        local.stop()

    with_model, offline = evaluation.engines
    assert with_model.engine == "llm: local-model"
    assert offline.engine == "offline"
    # one request per question, and one more for a reply the reply check sends back (the
    # faithful model pastes an Indonesian passage for an English question)
    questions = with_model.answerable + with_model.unanswerable
    assert questions <= len(local.requests) <= 2 * questions
    assert {request["model"] for request in local.requests} == {"local-model"}
    assert with_model.citations_outside_retrieved == 0
    assert with_model.answered_with_citation >= 45

"""`python -m bench.answer_examples`: the replies Balas writes offline on the sample store, for
docs/answering.md.

The sample store's documents (`tests/fixtures/sample_store`) are indexed in memory and each
message below goes through the responder's own `Answerer` without a model, as the first message
of a conversation of a store that set a greeting. Printed as Markdown: the message, the reply,
the hand-over and the files cited. `--message` answers other messages instead.
"""

import argparse
import asyncio

from bench.answer_eval import IndexRetriever
from bench.knowledge_eval import SAMPLE_STORE, STORE, load_chunks
from shared.answering.answerer import Answerer, Question
from shared.answering.draft import Draft
from shared.events import utcnow
from shared.knowledge.retrieval import KnowledgeIndex
from shared.stores.bot_settings import BotSettings
from shared.stores.directory import Store

GREETING = "Halo kak, selamat datang di Toko Batik Sari!"
MESSAGES = [
    "Bisa COD?",
    "Is cash on delivery available in Jakarta?",
    "ongkir ke pulau jawa berapa? trs kalau luar jawa?",
    "1. kurirnya apa aja 2. admin buka jam brp 3. resi diliat dmn",
    "Berapa lama pengiriman ke Bandung? Bisa COD?",
    "ongkir ke bandung berapa kak? sekalian mau tanya bisa bayar pakai QRIS?",
    "a. kurirnya apa aja b. bisa COD ga",
    "Kak ongkir ke Papua berapa ya? satu lagi, can I return a sale item?",
    "Bisa bayar pakai OVO? kalau Dana?",
    "Bisa bayar pakai OVO? terus ada lowongan kerja gak kak?",
    "Ongkir retur siapa yang tanggung? kalau barangnya cacat?",
    "How long does delivery to Papua take?",
    "Kalau ukurannya tidak pas bisa tukar?",
    "Can I return a sale item?",
    "Makasih kak, terus nomor rekening BCA berapa?",
    "Saya mau komplain!! Paket saya belum sampai padahal sudah seminggu",
    "Makasih banyak kak 🙏",
    "Do you sell laptops?",
]


async def replies(messages: list[str]) -> list[tuple[str, Draft]]:
    index = await asyncio.to_thread(KnowledgeIndex, STORE, 1, load_chunks(SAMPLE_STORE), None)
    answerer = Answerer(IndexRetriever({STORE: index}), None, None)
    store = Store(id=STORE, name="Toko Batik Sari", whatsapp_number="+6281100000000")
    settings = BotSettings(greeting=GREETING)
    answered = []
    for text in messages:
        question = Question(
            store=store,
            settings=settings,
            text=text,
            asked_at=utcnow(),
            history=[{"direction": "inbound", "text": text}],
            new_conversation=True,
        )
        answered.append((text, await answerer.answer(question)))
    return answered


def markdown(answered: list[tuple[str, Draft]]) -> str:
    blocks = []
    for text, draft in answered:
        files = ", ".join(dict.fromkeys(c.filename or c.ref for c in draft.citations)) or "none"
        hand_over = draft.hand_over.value if draft.hand_over else "none"
        gaps = "; ".join(f"“{q}”" for q in draft.unanswered) or "none"
        said = "\n".join(f"> {line}" if line else ">" for line in draft.text.splitlines())
        blocks.append(
            f"**Customer:** {text}\n\n{said}\n\n"
            f"<sub>cited: {files} · hand-over: {hand_over} · knowledge gap: {gaps}</sub>"
        )
    return "\n\n".join(blocks)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.answer_examples", description=__doc__)
    parser.add_argument("--message", action="append", help="a message to answer (repeatable)")
    arguments = parser.parse_args()
    print(markdown(asyncio.run(replies(arguments.message or MESSAGES))))


if __name__ == "__main__":
    main()

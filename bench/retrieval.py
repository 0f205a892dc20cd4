"""`python -m bench.retrieval [--quick]`: knowledge search latency, index build time and memory.

One store with 10,000 synthetic but shop-like chunks (half catalogue rows, half FAQ and policy
prose, Indonesian and English mixed), searched with realistic customer questions, on one core:

- **lexical**: BM25 alone (no embeddings configured);
- **hybrid**: BM25 and cosine over random normalised 256-dimension vectors, fused by rank.

It measures the in-memory search (`KnowledgeIndex.search`), which is what grows with the
store's knowledge; a real search adds one `find_one` for the store's revision and, with
embeddings, the question's embedding call. It also measures how long a build takes, the memory
it keeps, and how long the event loop stalls while a build runs in a thread, as the retriever
runs it. The target is a p95 below 50 ms.
"""

import argparse
import asyncio
import gc
import os
import random
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from bench.stats import Latency
from shared.knowledge.models import Chunk
from shared.knowledge.retrieval import KnowledgeIndex

STORE = "bench-store"
MODEL = "random-256"
MIB = 2**20

TYPES = "kemeja kaos celana rok gaun jaket hoodie sepatu sandal tas dompet topi hijab kebaya sarung"
COLOURS = "merah biru hitam putih hijau kuning coklat abu navy maroon krem ungu"
MATERIALS = "katun linen sutra denim wol polyester rayon batik tulis cap kulit kanvas"
SIZES = "S M L XL XXL 38 39 40 41 42 43"
CITIES = (
    "Jakarta Bandung Surabaya Medan Semarang Makassar Palembang Denpasar Yogyakarta Malang "
    "Balikpapan Pontianak Manado Padang Pekanbaru Batam Bogor Depok Tangerang Bekasi"
)
COURIERS = "JNE J&T SiCepat AnterAja Ninja GoSend GrabExpress POS"
METHODS = "BCA Mandiri BRI BNI QRIS OVO GoPay DANA ShopeePay COD"
SYLLABLES = "ka ra ma sa ta na la wa ya pa ba da ga ja ci ri mi si ti ni li wi pu bu du ku lu"

PROSE_ID = [
    "Pengiriman ke {city} memakai {courier} dan biasanya sampai dalam {n} hari kerja. "
    "Ongkos kirim mulai Rp{price}.000 per kilogram, gratis ongkir untuk belanja di atas "
    "Rp{big}.000.",
    "Barang yang rusak atau salah kirim dapat dikembalikan dalam {n} hari setelah diterima. "
    "Sertakan video unboxing dan nomor pesanan {code}; dana dikembalikan ke rekening Anda.",
    "Pembayaran bisa lewat transfer {method}, QRIS, atau COD untuk wilayah {city}. Pesanan "
    "diproses setelah pembayaran dikonfirmasi, paling lambat {n} jam.",
    "Toko buka Senin sampai Sabtu pukul 08.00-17.00 WIB. Pesanan yang masuk setelah pukul "
    "{n}.00 dikirim keesokan harinya. Hari libur nasional toko tutup.",
    "Cara merawat {material}: cuci dengan air dingin, jangan diperas, jemur di tempat teduh, "
    "setrika dengan suhu sedang. Warna {colour} bisa sedikit luntur pada cucian pertama.",
    "Program reseller: diskon {n}% untuk pembelian minimal {big} potong, harga grosir berlaku "
    "untuk semua {type} dan bisa dicampur ukuran maupun warna.",
]
PROSE_EN = [
    "We ship to {city} with {courier}; delivery usually takes {n} working days. Shipping "
    "starts at Rp{price},000 per kilogram and is free on orders above Rp{big},000.",
    "Damaged or wrong items can be returned within {n} days of delivery. Please include an "
    "unboxing video and your order number {code}; refunds go back to your bank account.",
    "You can pay by {method} bank transfer, QRIS or cash on delivery in {city}. Orders are "
    "processed once payment is confirmed, within {n} hours.",
    "Our {type} in {material} comes in sizes {size} to XXL; see the size chart for chest and "
    "length in centimetres. Colours may look slightly different on screen.",
    "Every {type} carries a {n}-month warranty against stitching defects. Wear and tear, "
    "washing damage and alterations are not covered.",
]
QUESTIONS = [
    "berapa ongkir ke {city} kak?",
    "how long is delivery to {city}?",
    "bisa bayar pakai {method}?",
    "harga {type} {colour} ukuran {size} berapa?",
    "is the {colour} {type} in {material} available in {size}?",
    "{code} ready stok?",
    "gimana cara return barang rusak?",
    "cara cuci {type} {material} gimana ya",
    "do you ship to {city} with {courier}?",
    "diskon reseller berapa persen?",
    "apakah {name} masih ada?",
    "jual mobil bekas gak?",  # unrelated: nothing should come back
]


def _pick(words: str, rng: random.Random) -> str:
    return rng.choice(words.split())


@dataclass(frozen=True)
class Catalogue:
    """Product names and codes of the synthetic store, reused by the questions."""

    names: list[str]
    codes: list[str]


def _fill(template: str, rng: random.Random, catalogue: Catalogue) -> str:
    return template.format(
        city=_pick(CITIES, rng),
        courier=_pick(COURIERS, rng),
        method=_pick(METHODS, rng),
        type=_pick(TYPES, rng),
        colour=_pick(COLOURS, rng),
        material=_pick(MATERIALS, rng),
        size=_pick(SIZES, rng),
        n=rng.randint(1, 14),
        price=rng.randint(8, 40),
        big=rng.choice([100, 150, 200, 250, 300, 500]),
        code=rng.choice(catalogue.codes),
        name=rng.choice(catalogue.names),
    )


def _catalogue(rng: random.Random, products: int) -> Catalogue:
    names, codes = [], []
    for n in range(products):
        brand = "".join(rng.choice(SYLLABLES.split()) for _ in range(rng.randint(2, 3)))
        names.append(f"{_pick(TYPES, rng)} {brand.title()} {_pick(COLOURS, rng)}")
        codes.append(f"{brand[:3].upper()}-{n:05d}")
    return Catalogue(names, codes)


def synthetic_chunks(count: int, dimensions: int, seed: int = 7) -> tuple[list[Chunk], Catalogue]:
    """`count` chunks of one store, half catalogue rows, half prose; each with a random vector."""
    rng = random.Random(seed)
    vectors = np.random.default_rng(seed).standard_normal((count, dimensions), dtype=np.float32)
    catalogue = _catalogue(rng, count // 2)
    chunks = []
    for n in range(count):
        if n % 2 == 0:
            product = n // 2
            heading, locator = None, f"row {product + 2}"
            text = (
                f"Nama: {catalogue.names[product]}; SKU: {catalogue.codes[product]}; "
                f"Harga: Rp{rng.randint(5, 90) * 5}.000; Ukuran: {_pick(SIZES, rng)}; "
                f"Bahan: {_pick(MATERIALS, rng)}; Stok: {rng.randint(0, 40)}"
            )
            document = "katalog"
        else:
            templates = rng.choice([PROSE_ID, PROSE_EN])
            text = " ".join(_fill(rng.choice(templates), rng, catalogue) for _ in range(4))
            heading, locator = rng.choice(["Pengiriman", "Shipping", "FAQ", "Produk"]), "§ FAQ"
            document = f"faq-{n % 40}"
        chunks.append(
            Chunk(
                id=f"{document}:1:{n}",
                store_id=STORE,
                document_id=document,
                version=1,
                n=n,
                text=text,
                heading=heading,
                locator=locator,
                filename=f"{document}.csv" if document == "katalog" else f"{document}.md",
                embedding=vectors[n].tolist(),
                embedding_model=MODEL,
            )
        )
    return chunks, catalogue


@dataclass(frozen=True)
class Build:
    index: KnowledgeIndex
    seconds: float
    # Everything the index keeps once the loaded chunks are gone: arrays, vocabulary, texts.
    retained_bytes: int


def _build(count: int, dimensions: int, model: str | None) -> Build:
    chunks, _ = synthetic_chunks(count, dimensions)
    started = time.perf_counter()
    KnowledgeIndex(STORE, 1, chunks, model)
    seconds = time.perf_counter() - started
    del chunks
    gc.collect()
    # A second build, traced from the chunks' creation on (tracing slows it several times), as
    # the retriever holds it: the loaded chunks are dropped once the index is built.
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    chunks, _ = synthetic_chunks(count, dimensions)
    index = KnowledgeIndex(STORE, 1, chunks, model)
    del chunks
    gc.collect()
    retained = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return Build(index, seconds, retained)


async def _loop_stall(build: Callable[[], KnowledgeIndex]) -> tuple[float, float]:
    """(build seconds, longest event-loop stall) while `build` runs in a thread."""
    worst = 0.0
    done = False

    async def tick() -> None:
        nonlocal worst
        while not done:
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, time.perf_counter() - before - 0.001)

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    await asyncio.to_thread(build)
    seconds = time.perf_counter() - started
    done = True
    await ticker
    return seconds, worst


def _latencies(
    index: KnowledgeIndex, questions: list[str], vectors: list[list[float]] | None
) -> tuple[Latency, float]:
    """Search latency, and the share of questions that got at least one passage."""
    timings, answered = [], 0
    for n, question in enumerate(questions):
        vector = vectors[n] if vectors else None
        started = time.perf_counter()
        passages = index.search(question, 5, vector)
        timings.append(time.perf_counter() - started)
        answered += bool(passages)
    return Latency.of(timings), answered / len(questions)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.2f} ms"


def _report(name: str, build: Build, latency: Latency, answered: float) -> None:
    print(
        f"  {name:8} build {build.seconds:5.2f} s · index arrays "
        f"{build.index.nbytes / MIB:5.1f} MiB · retained {build.retained_bytes / MIB:5.1f} MiB"
    )
    print(
        f"  {'':8} search p50 {_ms(latency.p50)} · p95 {_ms(latency.p95)} · "
        f"p99 {_ms(latency.p99)} · max {_ms(latency.maximum)} · "
        f"{latency.count} questions, {answered:.0%} with passages"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.retrieval", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 chunks, 200 questions")
    parser.add_argument("--chunks", type=int, help="chunks in the store (default 10,000)")
    parser.add_argument("--questions", type=int, help="questions per run (default 2,000)")
    parser.add_argument("--dimensions", type=int, default=256, help="vector width, hybrid run")
    arguments = parser.parse_args()
    count = arguments.chunks or (2_000 if arguments.quick else 10_000)
    asked = arguments.questions or (200 if arguments.quick else 2_000)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    with threadpool_limits(1):
        started = time.perf_counter()
        chunks, catalogue = synthetic_chunks(count, arguments.dimensions)
        print(f"{count:,} chunks generated in {time.perf_counter() - started:.1f} s")
        rng = random.Random(11)
        questions = [_fill(rng.choice(QUESTIONS), rng, catalogue) for _ in range(asked)]
        vectors = np.random.default_rng(11).standard_normal(
            (asked, arguments.dimensions), dtype=np.float32
        )
        lexical = _build(count, arguments.dimensions, None)
        hybrid = _build(count, arguments.dimensions, MODEL)
        for index in (lexical.index, hybrid.index):  # warm-up
            index.search(questions[0], 5, vectors[0].tolist())
        print(f"knowledge search over {count:,} chunks of one store, one core:")
        _report("lexical", lexical, *_latencies(lexical.index, questions, None))
        _report("hybrid", hybrid, *_latencies(hybrid.index, questions, vectors.tolist()))
        seconds, stall = asyncio.run(_loop_stall(lambda: KnowledgeIndex(STORE, 1, chunks, MODEL)))
    print(
        f"  hybrid build in a thread: {seconds:.2f} s, longest event-loop stall meanwhile "
        f"{_ms(stall)}"
    )


if __name__ == "__main__":
    main()

"""`python -m bench.service_memory`: resident memory of the responder and the enricher, alone.

Each service is measured in a fresh Python process (no servers, no pipeline), twice:

- **imported**: its app module and everything it imports (FastStream, aiokafka, pymongo,
  pydantic, the shared platform);
- **loaded**: after it built what it keeps for its whole life on a store with knowledge:
  the enricher its offline classifier (one message classified), the responder the knowledge
  index of one store of 10,000 chunks (one question searched), as `bench.retrieval` builds it.

It is the quick check of issue 18's budget (a service stays within 50 MiB of its memory on
main) for whatever a change loads: lexicons, a stemmer, a model. The full pipeline bench
(`python -m bench`) reports the services' memory after real traffic.
"""

import argparse
import asyncio
import gc
import json
import subprocess
import sys

import psutil

MIB = 2**20
SERVICES = ("responder", "enricher")
CHUNKS = 10_000


def _rss() -> int:
    return int(psutil.Process().memory_info().rss)


def _load_enricher() -> tuple[int, object]:
    import services.enricher.app  # noqa: F401

    imported = _rss()
    from services.enricher.classification import build_classifier
    from shared.settings import Settings

    classifier = asyncio.run(build_classifier(Settings(), "offline"))
    asyncio.run(classifier.classify(["kak sepatunya bs tuker size ga?"]))
    return imported, classifier


def _load_responder() -> tuple[int, object]:
    import services.responder.app  # noqa: F401

    imported = _rss()
    from bench.retrieval import STORE, synthetic_chunks
    from shared.knowledge.retrieval import KnowledgeIndex

    chunks, _ = synthetic_chunks(CHUNKS, dimensions=1)
    index = KnowledgeIndex(STORE, 1, chunks)  # lexical: no embeddings configured
    del chunks
    gc.collect()  # the loaded chunks are dropped once the index is built, as the retriever does
    index.search("berapa ongkir ke Bandung kak?")
    return imported, index


def measure(service: str) -> dict[str, int]:
    """In this process: RSS after importing `service`, then after loading what it keeps."""
    imported, kept = (_load_enricher if service == "enricher" else _load_responder)()
    loaded = _rss()
    del kept
    return {"imported": imported, "loaded": loaded}


def _in_fresh_process(service: str) -> dict[str, int]:
    output = subprocess.run(
        [sys.executable, "-m", "bench.service_memory", "--child", service],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures: dict[str, int] = json.loads(output.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.service_memory", description=__doc__)
    parser.add_argument("--child", choices=SERVICES, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(measure(arguments.child)))
        return
    print("resident memory (RSS), each service in a fresh process:")
    for service in SERVICES:
        figures = _in_fresh_process(service)
        print(
            f"  {service:9} imported {figures['imported'] / MIB:5.0f} MiB · "
            f"loaded {figures['loaded'] / MIB:5.0f} MiB"
        )


if __name__ == "__main__":
    main()

from datetime import UTC, datetime, timedelta

from services.console.gap_clusters import Gap, suggest_entries

START = datetime(2026, 11, 1, 9, tzinfo=UTC)


def gaps(*questions: str) -> list[Gap]:
    return [
        Gap(
            question=question,
            conversation_id=f"toko:+62811000{i % 3}",
            asked_at=START + timedelta(hours=i),
        )
        for i, question in enumerate(questions)
    ]


def test_paraphrases_become_one_entry_and_the_most_asked_comes_first() -> None:
    entries = suggest_entries(
        gaps(
            "ongkir ke medan berapa?",
            "apakah bisa bayar pakai kartu kredit?",
            "berapa ongkos kirim ke Medan",
            "bisa bayar pake kartu kredit ga",
            "Ongkir ke Medan brp kak",
            "warna merah ready?",
        )
    )

    assert [entry.asked for entry in entries] == [3, 2, 1]
    assert "medan" in entries[0].question.lower()
    assert {example.lower() for example in entries[0].examples} == {
        "ongkir ke medan berapa?",
        "berapa ongkos kirim ke medan",
        "ongkir ke medan brp kak",
    }
    assert entries[0].conversations == 3
    assert entries[0].first_asked_at == START
    assert entries[0].last_asked_at == START + timedelta(hours=4)


def test_unrelated_questions_stay_apart() -> None:
    entries = suggest_entries(gaps("ada garansi untuk sepatu?", "toko buka hari minggu?"))

    assert sorted(entry.question for entry in entries) == [
        "ada garansi untuk sepatu?",
        "toko buka hari minggu?",
    ]


def test_chat_spellings_join_their_standard_paraphrases() -> None:
    entries = suggest_entries(
        gaps(
            "kapan paketnya sampai?",
            "paket kpn nyampe y",
            "bisa tukar ukuran?",
            "bs tuker ukuran ga",
        )
    )

    assert sorted(entry.asked for entry in entries) == [2, 2]


def test_repeated_wording_is_one_example() -> None:
    entries = suggest_entries(gaps("Ongkir ke Medan?", "ongkir  ke medan?", "ONGKIR KE MEDAN?"))

    assert len(entries) == 1
    assert entries[0].asked == 3
    assert entries[0].examples == ["Ongkir ke Medan?"]


def test_no_gaps_no_entries() -> None:
    assert suggest_entries([]) == []

from shared.offsets import PartitionProgress, lag


def progress_with(*offsets: int) -> PartitionProgress:
    progress = PartitionProgress()
    for offset in offsets:
        progress.started(offset)
    return progress


def test_a_partition_with_nothing_handed_out_has_nothing_to_commit() -> None:
    assert PartitionProgress().committable() is None


def test_while_the_first_record_is_unfinished_its_offset_is_committed() -> None:
    progress = progress_with(10, 11, 12)

    assert progress.committable() == 10


def test_records_finishing_after_an_unfinished_one_do_not_move_the_commit() -> None:
    progress = progress_with(10, 11, 12)

    progress.finished(12)
    progress.finished(11)

    assert progress.committable() == 10
    assert progress.in_flight == 1


def test_the_commit_moves_to_the_next_gap_once_the_prefix_is_finished() -> None:
    progress = progress_with(10, 11, 12, 13)
    progress.finished(12)

    progress.finished(10)
    assert progress.committable() == 11

    progress.finished(11)
    assert progress.committable() == 13


def test_when_everything_is_finished_the_commit_is_one_past_the_highest_offset() -> None:
    progress = progress_with(10, 11, 12)

    for offset in (11, 12, 10):
        progress.finished(offset)

    assert progress.committable() == 13
    assert progress.in_flight == 0


def test_records_handed_out_after_a_finished_prefix_hold_the_commit_again() -> None:
    progress = progress_with(10)
    progress.finished(10)

    progress.started(11)
    progress.started(12)
    progress.finished(12)

    assert progress.committable() == 11


def test_finishing_an_offset_twice_or_one_never_started_is_harmless() -> None:
    progress = progress_with(5, 6)

    progress.finished(5)
    progress.finished(5)
    progress.finished(99)

    assert progress.committable() == 6
    assert progress.in_flight == 1


def test_lag_counts_fetched_records_beyond_the_end_offset_the_broker_reported() -> None:
    progress = progress_with(0)
    progress.fetched(8)  # the embedded broker reports 7 after batches of 1, 5 and 3

    assert lag(committed=7, reported_end=7, fetched_end=progress.fetched_end) == 2


def test_lag_trusts_a_reported_end_beyond_what_was_fetched() -> None:
    assert lag(committed=3, reported_end=10, fetched_end=5) == 7
    assert lag(committed=3, reported_end=None, fetched_end=5) == 2

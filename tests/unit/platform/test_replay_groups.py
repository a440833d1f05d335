"""Parallel replays: every projection in exactly one group, the heaviest spread first."""
from __future__ import annotations

from projectors.projection import load_projections
from projectors.verify import replay_groups


def test_every_projection_lands_in_exactly_one_group() -> None:
    projections = load_projections()
    groups = replay_groups(projections, 2)
    names = [name for group in groups for name in group]
    assert len(groups) == 2 and sorted(names) == sorted(p.name for p in projections)


def test_projections_of_every_context_are_split_across_processes() -> None:
    projections = load_projections()
    everything = {p.name for p in projections if not p.contexts}
    groups = replay_groups(projections, len(everything))
    assert all(len(everything & set(group)) <= 1 for group in groups)


def test_one_process_or_more_processes_than_projections_still_covers_all() -> None:
    projections = load_projections()[:3]
    assert replay_groups(projections, 1) == [[p.name for p in sorted(projections, key=lambda p: (bool(p.contexts), p.name))]]
    assert sorted(n for g in replay_groups(projections, 10) for n in g) == sorted(p.name for p in projections)

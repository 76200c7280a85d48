"""Load stages as a plan of steps: ramps, steps, spikes, soaks, and the errors of bad stages."""

from pathlib import Path

import pytest

from perfgate.config.profile import ProfileError, load_profile
from perfgate.core.stages import Stage, plan, step_at, total_s

STAGE = "load:\n  stages:\n    - %s\n"


def profile(tmp_path: Path, text: str):
    path = tmp_path / "shape.yaml"
    path.write_text("version: 1\n" + text)
    return load_profile(path)


def test_a_ramp_spreads_its_change_over_its_duration_and_a_step_reaches_its_level_in_a_fifth():
    steps = plan([Stage("ramp", 30, 60.0), Stage("step", 50, 50.0)])
    planned = [(s.users, s.spawn_rate, s.start_s, s.end_s) for s in steps]
    assert planned == [(30, 0.5, 0.0, 60.0), (50, 2.0, 60.0, 110.0)]
    assert steps[0].spawn_s == 60.0 and steps[1].spawn_s == 10.0


def test_steps_climb_from_the_current_level_by_their_increment_and_end_on_their_users():
    steps = plan([Stage("step", 10, 10.0), Stage("steps", 45, 20.0, spawn_rate=5, by=10)])
    assert [s.users for s in steps] == [10, 20, 30, 40, 45]
    assert [s.label for s in steps[1:]] == ["steps 1/4", "steps 2/4", "steps 3/4", "steps 4/4"]
    assert [s.start_s for s in steps] == [0.0, 10.0, 30.0, 50.0, 70.0] and total_s(steps) == 90.0
    assert all(s.spawn_rate == 5 for s in steps[1:])


def test_a_spike_jumps_within_a_second_and_the_next_stage_says_where_the_load_goes():
    steps = plan([Stage("soak", 20, 100.0), Stage("spike", 220, 10.0), Stage("step", 20, 30.0)])
    assert steps[1].spawn_rate == 200.0 and steps[1].spawn_s == 1.0
    assert steps[2].users == 20 and steps[2].change == 200
    assert step_at(steps, 105.0) is steps[1] and step_at(steps, 139.9) is steps[2] and step_at(steps, 140.0) is None


def test_the_profile_plans_its_stages_and_defaults_to_stages_mode(tmp_path):
    stages = "    - {type: ramp, users: 10, duration: 10s}\n    - {type: soak, users: 10, duration: 1m}\n"
    loaded = profile(tmp_path, "load:\n  stages:\n" + stages)
    assert loaded.load.mode == "stages" and [s.end_s for s in loaded.load.steps] == [10.0, 70.0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (STAGE % "{type: steps, users: 10, duration: 10s}", "shape.yaml:4 load.stages[0].by: a steps stage"),
        (STAGE % "{type: soak, users: 10, duration: 10s, by: 2}", "shape.yaml:4 load.stages[0].by: only a steps"),
        (STAGE % "{type: walk, users: 10, duration: 10s}", "load.stages[0].type: expected ramp, step"),
        (STAGE % "{type: step, users: 10}", "load.stages[0]: missing key 'duration'"),
        (STAGE % "{type: step, users: 10, duration: 0s}", "load.stages[0].duration: expected more than 0s"),
        ("load:\n  mode: capacity\n", "shape.yaml:3 load.mode: capacity needs load.stages, found none"),
        ("capacity: {min_users: 0}\n", "capacity.min_users: expected a whole number of users, at least 1, found 0"),
    ],
)
def test_bad_stages_name_the_file_line_and_key(tmp_path, text, expected):
    with pytest.raises(ProfileError) as raised:
        profile(tmp_path, text)
    assert expected in str(raised.value)

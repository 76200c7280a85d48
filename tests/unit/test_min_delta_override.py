"""Re-judging with another min_delta (RegressionSettings.with_min_delta, `load_result`'s
min_delta_ms): the block's and every rule's own min_delta give way, the rules themselves stay."""

from perfgate.config.profile import load_profile


def test_every_min_delta_gives_way_and_the_rules_stay(tmp_path):
    profile = tmp_path / "perf.yaml"
    profile.write_text(
        'version: 1\nregression:\n  default: { p95: "+20%" }\n'
        '  endpoints:\n    "GET /x": { p95: "+10%", min_delta: 2ms }\n  min_delta: 8ms\n'
    )
    block = load_profile(profile).regression
    assert block is not None
    assert block.min_delta_ms == 8 and [rule.min_delta_ms for rule in block.rules] == [None, 2]
    alone = block.with_min_delta(0)
    assert alone.min_delta_ms == 0
    assert [rule.min_delta_ms for rule in alone.rules] == [None, None]
    assert [(r.key, r.tolerance) for r in alone.rules] == [(r.key, r.tolerance) for r in block.rules]
    assert alone.confidence == block.confidence and alone.source == block.source

"""The pair rule: both colours publish into one zone, and no hostname is served only at weight 0."""

from __future__ import annotations

from bluegreen.pair_agreement import PublishedSide, agreement_problems


def side(stack: str, weight: int, *hostnames: str, domain: str = "example.com", zone: str = "Z1") -> PublishedSide:
    return PublishedSide(stack, weight, frozenset(hostnames), domain, zone)


def test_a_pair_publishing_the_same_names_into_one_zone_agrees() -> None:
    assert agreement_problems([side("blue", 1, "app.example.com"), side("green", 0, "app.example.com")]) == []


def test_a_hostname_only_the_standby_serves_is_refused_naming_it_and_the_order() -> None:
    (problem,) = agreement_problems(
        [side("blue", 1, "app.example.com"), side("green", 0, "app.example.com", "new.example.com")]
    )
    assert problem.startswith("new.example.com would be served only by 'green' at weight 0 ('blue' does not list it)")
    assert "carrying traffic first" in problem and "standby first" in problem


def test_a_hostname_only_the_live_colour_serves_is_fine() -> None:
    # The first of the two pull requests that add a hostname, or the last of those that remove one.
    assert agreement_problems([side("blue", 1, "app.example.com", "new.example.com"), side("green", 0)]) == []


def test_with_both_weights_0_a_shared_name_is_left_to_the_all_zero_rule_but_a_lone_one_is_refused() -> None:
    assert agreement_problems([side("blue", 0, "app.example.com"), side("green", 0, "app.example.com")]) == []
    (problem,) = agreement_problems([side("blue", 0, "app.example.com"), side("green", 0)])
    assert problem.startswith("app.example.com would be served only by 'blue'")


def test_a_different_domain_or_zone_is_refused_naming_both_values() -> None:
    problems = agreement_problems(
        [side("blue", 1, "app.example.com"), side("green", 0, "app.example.com", domain="example.org", zone="Z2")]
    )
    assert len(problems) == 2
    assert "eks-bluegreen:domain differs (blue has 'example.com', green has 'example.org')" in problems[0]
    assert "eks-bluegreen:hostedZoneId differs (blue has 'Z1', green has 'Z2')" in problems[1]


def test_what_a_peer_does_not_export_is_not_compared() -> None:
    old_peer = PublishedSide("blue", 1, None, None, None)
    assert agreement_problems([old_peer, side("green", 0, "new.example.com", domain="example.org")]) == []


def test_outputs_are_compared_in_the_settings_normal_form() -> None:
    peer = PublishedSide.from_outputs("blue", 1, ["App.Example.com."], "Example.com.", "Z1")
    assert agreement_problems([peer, side("green", 0, "app.example.com")]) == []
